#!/usr/bin/perl
#
# 20-signals.t - the master's signals and "-s" (SPEC 3, 4): workers
# answer /pid, TERM and INT stop fast, QUIT lets a request in flight
# finish, -s stop|quit|reload|reopen, USR1 reopens a moved log.

use strict;
use warnings;

use Test::More;
use Time::HiRes qw(time sleep);
use Hive::Test qw(parse_response);

my $t = Hive::Test->new;
my $dir = $t->testdir;

$t->write_config($t->config_prelude . <<'EOF');
worker_processes 2;

events {
    worker_connections 128;
}

http {
    server {
        listen 127.0.0.1:%%PORT_A%%;
        location = /pid {
            echo_pid;
        }
    }
}
EOF

# --- workers answer -------------------------------------------------------

my $master = $t->run;
my @workers = $t->wait_workers(2);
is(scalar @workers, 2, 'two workers');
is($t->read_pid_file, $master, 'the pid file holds the master');

# process titles, as ps and /proc/PID/cmdline show them
is($t->cmdline($master), join(' ', 'hive: master process', $t->bin,
    $t->std_args), 'title: "hive: master process" and the command line');
is_deeply([map { $t->cmdline($_) } @workers],
    ['hive: worker process', 'hive: worker process'],
    'title: "hive: worker process"');

my %is_worker = map { $_ => 1 } @workers;
my ($answers, $from_workers) = (0, 0);
for (1 .. 20) {
    my $r = parse_response($t->http_get('/pid'));
    next unless ($r->{status} // 0) == 200;
    $answers++;
    $from_workers++ if $r->{body} =~ /^Request handled by worker-(\d+)\n\z/
        && $is_worker{$1};
}
is($answers, 20, '20 requests to /pid answered');
is($from_workers, 20, 'each by one of the workers, naming its pid');

# --- TERM: fast stop --------------------------------------------------------

my $start = time();
$t->signal('TERM');
ok(wait_gone($master, 5), 'TERM: the master exits');
cmp_ok(time() - $start, '<', 3, 'TERM: within 3 s');
ok(!(grep { Hive::Test::alive($_) } @workers), 'TERM: the workers are gone');
ok(!-e "$dir/logs/hive.pid", 'TERM: the pid file is removed');
ok(!defined $t->http_get('/pid', timeout => 1), 'TERM: the port is closed');
$t->stop;

# --- INT: fast stop too ---------------------------------------------------

$master = $t->run;
$t->wait_workers(2);
$t->signal('INT');
ok(wait_gone($master, 5), 'INT: the master exits');
ok(!-e "$dir/logs/hive.pid", 'INT: the pid file is removed');
$t->stop;

# --- QUIT: a request in flight completes ------------------------------------

$master = $t->run;
@workers = $t->wait_workers(2);

my $c = $t->connect;
ok($c, 'a client connects');
$c->send("GET /pid HTTP/1.1\r\nHost: localhost\r\n");
sleep(0.3);     # the worker reads the first half of the header

my $off = $t->log_offset;
$t->signal('QUIT');
ok($t->wait_for_log(qr/\[notice\] $master#\d+: gracefully shutting down/, 5,
    $off), 'QUIT: the master shuts down gracefully');
sleep(0.5);
ok(Hive::Test::alive($master), 'QUIT: the master waits for the request');
my %titles = map { $_ => 1 } grep { defined } map { $t->cmdline($_) } @workers;
is_deeply([keys %titles], ['hive: worker process is shutting down'],
    'title: "hive: worker process is shutting down"');

$c->send("\r\n");
my $r = $c->read_response;
is($r && $r->{status}, 200, 'QUIT: the request in flight is answered');
like($r ? $r->{body} : '', qr/^Request handled by worker-\d+\n\z/,
    'QUIT: with its body');
$c->close;

ok(wait_gone($master, 5), 'QUIT: then the master exits');
ok(!(grep { Hive::Test::alive($_) } @workers), 'QUIT: and the workers');
ok(!-e "$dir/logs/hive.pid", 'QUIT: the pid file is removed');
$t->stop;

# --- -s reload --------------------------------------------------------------

$master = $t->run;
@workers = $t->wait_workers(2);

my ($code, $out) = $t->run_cmd($t->std_args, '-s', 'reload');
is($code, 0, '-s reload exits 0') or diag($out);
my @new = wait_new_workers($t, 2, \@workers, 10);
is(scalar @new, 2, '-s reload: two new workers, the old ones gone');
is($t->read_pid_file, $master, '-s reload: same master');
$r = parse_response($t->http_get('/pid'));
my ($pid) = ($r->{body} // '') =~ /worker-(\d+)/;
ok($pid && grep({ $_ == $pid } @new), '-s reload: a new worker answers');

# --- USR1 and -s reopen: a moved log is reopened ----------------------------

rename("$dir/logs/error.log", "$dir/logs/error.log.1") or die $!;
$t->signal('USR1');
ok(wait_file("$dir/logs/error.log", 5), 'USR1: a new error.log is created');
sleep(0.3);     # the workers reopen after the master tells them

# lines written after the reopen land in the new file
@workers = $t->worker_pids;
my $moved = () = ($t->read_file('logs/error.log.1') // '') =~ /reconfiguring/g;
kill('HUP', $master);
ok($t->wait_for_log(qr/\[notice\] $master#\d+: reconfiguring/, 5),
    'USR1: the master writes to the new file');
my $w0 = $workers[0];
ok($t->wait_for_log(qr/\[notice\] $w0#\d+: gracefully shutting down/, 5),
    'USR1: so does a worker');
my $after = () = ($t->read_file('logs/error.log.1') // '') =~ /reconfiguring/g;
is($after, $moved, 'USR1: nothing more in the moved file');
@workers = wait_new_workers($t, 2, \@workers, 10);

rename("$dir/logs/error.log", "$dir/logs/error.log.2") or die $!;
($code, $out) = $t->run_cmd($t->std_args, '-s', 'reopen');
is($code, 0, '-s reopen exits 0') or diag($out);
sleep(0.3);
kill('HUP', $master);
ok($t->wait_for_log(qr/\[notice\] $master#\d+: reconfiguring/, 5),
    '-s reopen: the master writes to the new file');
wait_new_workers($t, 2, \@workers, 10);

# --- -s quit, -s stop -------------------------------------------------------

($code, $out) = $t->run_cmd($t->std_args, '-s', 'quit');
is($code, 0, '-s quit exits 0') or diag($out);
ok(wait_gone($master, 10), '-s quit: the master exits');
ok(!-e "$dir/logs/hive.pid", '-s quit: the pid file is removed');
$t->stop;

$master = $t->run;
$t->wait_workers(2);
($code, $out) = $t->run_cmd($t->std_args, '-s', 'stop');
is($code, 0, '-s stop exits 0') or diag($out);
ok(wait_gone($master, 5), '-s stop: the master exits');
ok(!-e "$dir/logs/hive.pid", '-s stop: the pid file is removed');
$t->stop;

$t->check_error_log_clean(files => ['logs/error.log.1', 'logs/error.log.2']);

done_testing();

###############################################################################

sub wait_gone {
    my ($pid, $timeout) = @_;
    my $deadline = time() + $timeout;

    while (Hive::Test::alive($pid)) {
        return 0 if time() > $deadline;
        sleep(0.05);
    }
    return 1;
}

sub wait_file {
    my ($path, $timeout) = @_;
    my $deadline = time() + $timeout;

    until (-e $path) {
        return 0 if time() > $deadline;
        sleep(0.05);
    }
    return 1;
}

# Waits until the master has exactly $n workers, none of them in @$old.
sub wait_new_workers {
    my ($t, $n, $old, $timeout) = @_;
    my %old = map { $_ => 1 } @$old;
    my $deadline = time() + $timeout;
    my @w;

    while (1) {
        @w = $t->worker_pids;
        return @w if @w == $n && !grep { $old{$_} } @w;
        return () if time() > $deadline;
        sleep(0.05);
    }
}
