#!/usr/bin/perl
#
# 22-respawn.t - a worker that dies is logged and replaced at once, and a
# dead worker does not leave the accept mutex locked (SPEC 4, 5).

use strict;
use warnings;

use Test::More;
use Time::HiRes qw(time sleep);
use Hive::Test qw(parse_response);

my $config = <<'EOF';
worker_processes %%WORKERS%%;

events {
    worker_connections 128;
    accept_mutex on;
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

my $killed = qr/\[alert\] \d+#\d+: worker process \d+ exited on signal 9$/;

# --- kill -9 one of two workers ----------------------------------------------

my $t = start(2);
my $master = $t->master_pid;
my @workers = $t->wait_workers(2);
is(scalar @workers, 2, 'two workers');

my $victim = $workers[0];
my $off = $t->log_offset;
kill('KILL', $victim);

ok($t->wait_for_log(
    qr/worker process $victim exited on signal 9$/, 5, $off),
    "the master logs 'worker process $victim exited on signal 9'");

my @now = wait_replaced($t, [$victim], 2, 5);
is(scalar @now, 2, 'a replacement worker is forked');
my ($fresh) = grep { $_ != $victim && $_ != $workers[1] } @now;
ok($fresh, 'it is a new process');
ok($t->wait_for_log(qr/start worker process $fresh$/, 5, $off),
    'its start is logged');

ok(seen_worker($t, $fresh, 5), 'the replacement answers /pid');
is($t->read_pid_file, $master, 'the master is the same');

# --- kill -9 every worker, several times: the mutex never stays locked ------

for my $round (1 .. 3) {
    my @before = $t->wait_workers(2);
    kill('KILL', @before);
    my @after = wait_replaced($t, \@before, 2, 5);
    is(scalar @after, 2, "round $round: both workers replaced");
    my $r = parse_response($t->http_get('/pid', timeout => 3));
    is($r->{status}, 200, "round $round: requests are still served");
}

$t->check_error_log_clean(allow => $killed);

# --- one worker: it held the mutex when it died -----------------------------

$t = start(1);
my ($only) = $t->wait_workers(1);
is(parse_response($t->http_get('/pid'))->{status}, 200, 'one worker serves');

for my $round (1 .. 3) {
    kill('KILL', $only);
    my ($next) = wait_replaced($t, [$only], 1, 5);
    ok($next, "single worker, round $round: replaced");
    my $r = parse_response($t->http_get('/pid', timeout => 3));
    is($r->{status}, 200, "single worker, round $round: the replacement "
        . 'accepts (the dead holder\'s lock was released)');
    like($r->{body} // '', qr/^Request handled by worker-\Q$next\E\n\z/,
        "single worker, round $round: it is the one answering");
    $only = $next // $only;
}

$t->check_error_log_clean(allow => $killed);

done_testing();

###############################################################################

sub start {
    my ($n) = @_;
    my $t = Hive::Test->new;
    (my $text = $config) =~ s/%%WORKERS%%/$n/;
    $t->write_config($t->config_prelude . $text);
    $t->run;
    return $t;
}

# Waits for $n workers, none of them in @$dead; returns them (or ()).
sub wait_replaced {
    my ($t, $dead, $n, $timeout) = @_;
    my %dead = map { $_ => 1 } @$dead;
    my $deadline = time() + $timeout;

    while (time() < $deadline) {
        my @w = $t->worker_pids;
        return @w if @w == $n && !grep { $dead{$_} } @w;
        sleep(0.05);
    }
    return ();
}

# Fresh connections until worker $pid answers one (bounded).
sub seen_worker {
    my ($t, $pid, $timeout) = @_;
    my $deadline = time() + $timeout;

    while (time() < $deadline) {
        my $r = parse_response($t->http_get('/pid', timeout => 2));
        return 1 if ($r->{body} // '') eq "Request handled by worker-$pid\n";
        sleep(0.02);
    }
    return 0;
}
