#!/usr/bin/perl
#
# 10-core-directives.t - the main-context directives of the process model
# (SPEC 6): worker_processes, pid, error_log, daemon, master_process, user,
# worker_rlimit_nofile, worker_shutdown_timeout.

use strict;
use warnings;

use Test::More;
use IO::Select;
use Socket qw(PF_INET SOCK_STREAM SOL_SOCKET SO_RCVBUF pack_sockaddr_in
    inet_aton);
use Time::HiRes qw(time sleep);
use Hive::Test qw(parse_response read_some);

my $http = <<'EOF';
events {
    worker_connections 128;
}

http {
    server {
        listen 127.0.0.1:%%PORT_A%%;
        location = /pid {
            echo_pid;
        }
        location / {
            root html;
        }
    }
}
EOF

my $prelude = "pid logs/hive.pid;\nerror_log logs/error.log info;\n";

# --- worker_processes ---------------------------------------------------------

my $t = Hive::Test->new;
my $dir = $t->testdir;

chomp(my $ncpu = `getconf _NPROCESSORS_ONLN`);
$ncpu = 128 if $ncpu > 128;
$t->write_config("daemon on;\n$prelude" . "worker_processes auto;\n" . $http);
$t->run;
is(scalar $t->wait_workers($ncpu), $ncpu,
    "worker_processes auto: one worker per CPU ($ncpu)");
$t->stop;

for my $bad ('0', 'many', '100000') {
    $t->write_config("$prelude" . "worker_processes $bad;\n" . $http);
    my ($code, $out) = $t->run_cmd($t->std_args, '-t');
    is($code, 1, "worker_processes $bad is refused");
    like($out, qr/invalid value "$bad" in "worker_processes" directive/,
        "worker_processes $bad: the message names the value");
}

# --- pid ----------------------------------------------------------------------

$t->write_config("daemon on;\npid logs/other.pid;\n"
    . "error_log logs/error.log info;\nworker_processes 1;\n" . $http);
my ($code, $out) = $t->run_cmd($t->std_args);
is($code, 0, 'start with pid logs/other.pid');
ok(wait_until(sub { -s "$dir/logs/other.pid" }, 5),
    'the pid file is where "pid" says');
my ($master) = ($t->read_file('logs/other.pid') // '') =~ /^(\d+)\n\z/;
ok($master && Hive::Test::alive($master), 'it holds the live master');
ok(!-e "$dir/logs/hive.pid", 'and not at the default place');
($code, $out) = $t->run_cmd($t->std_args, '-s', 'stop');
is($code, 0, '-s stop finds it through the configuration');
ok(wait_until(sub { !Hive::Test::alive($master // 0) }, 5),
    'the master stops');
ok(!-e "$dir/logs/other.pid", 'and removes it');

# --- error_log ----------------------------------------------------------------

$t->write_config("daemon on;\npid logs/hive.pid;\n"
    . "error_log logs/error.log info;\n"
    . "error_log logs/quiet.log error;\n"
    . "worker_processes 1;\n" . $http);
$t->run;
$t->wait_workers(1);
$t->stop;
like($t->read_file('logs/error.log') // '',
    qr/\[notice\] \d+#\d+: start worker process \d+$/m,
    'error_log ... info: notices are written');
unlike($t->read_file('logs/quiet.log') // '', qr/\[notice\]/,
    'a second error_log ... error: no notices there');
ok(-e "$dir/logs/quiet.log", 'the second log file is created');

$t->write_config("error_log logs/error.log loud;\n" . $http);
($code, $out) = $t->run_cmd($t->std_args, '-t');
is($code, 1, 'error_log with an unknown level is refused');
like($out, qr/invalid log level "loud" in \S+hive\.conf:1$/m,
    'and the level is named with FILE:LINE');

# --- daemon off, master_process off -------------------------------------------

$t->write_config("daemon off;\n$prelude" . "worker_processes 2;\n" . $http);
$master = $t->run;
is(ppid_of($master), $$, 'daemon off: the master stays in the foreground');
is(scalar $t->wait_workers(2), 2, 'daemon off: with its workers');
$t->stop;

$t->write_config("daemon off;\nmaster_process off;\n$prelude"
    . "worker_processes 4;\n" . $http);
$master = $t->run;
my $r = parse_response($t->http_get('/pid'));
is($r->{body}, "Request handled by worker-$master\n",
    'master_process off: the single process serves');
is(scalar $t->worker_pids, 0, 'master_process off: no worker processes');
$t->stop;
ok(!-e "$dir/logs/hive.pid", 'master_process off: pid file removed on exit');

# --- user -----------------------------------------------------------------

$t->write_config("daemon on;\nuser nobody;\n$prelude"
    . "worker_processes 1;\n" . $http);
$master = $t->run;
my ($w) = $t->wait_workers(1);
if ($> == 0) {
    my $nobody = getpwnam('nobody');
    is(uid_of($w), $nobody, 'user nobody: the worker runs as nobody (root)');
    is(uid_of($master), 0, 'user nobody: the master stays root');
} else {
    is(uid_of($w), $>, 'user: ignored when not started as root');
    like($t->error_log, qr/\[warn\] \d+#\d+: the "user" directive makes sense only if the master process runs with super-user privileges, ignored/,
        'user: and says so, as nginx does');
}
is(parse_response($t->http_get('/pid'))->{status}, 200, 'user: it serves');

# USR1: the master hands the new file to the workers' user, so that they
# can reopen it too (the directories must let that user through)
chmod(0755, $dir, "$dir/logs");
rename("$dir/logs/error.log", "$dir/logs/error.log.old") or die $!;
$t->signal('USR1');
ok(wait_until(sub {
        ($t->read_file('logs/error.log.old') // '')
            =~ /\[notice\] $w#\d+: reopening logs/
    }, 5), 'user: the worker is told to reopen');
$t->signal('HUP');
ok($t->wait_for_log(qr/\[notice\] $w#\d+: gracefully shutting down/, 5),
    'user: and writes to the new file afterwards');
$t->stop;
unlike($t->error_log . ($t->read_file('logs/error.log.old') // ''),
    qr/\[(?:crit|alert)\]/, 'user: no reopen failure');

$t->write_config("user no_such_user_hv;\n$prelude" . $http);
($code, $out) = $t->run_cmd($t->std_args, '-t');
if ($> == 0) {
    is($code, 1, 'an unknown user fails -t (root)');
    like($out, qr/getpwnam\("no_such_user_hv"\) failed/, 'and is named');
} else {
    is($code, 0, 'an unknown user is only warned about (not root)');
    like($out, qr/\[warn\] the "user" directive makes sense only/, 'warned');
}

# --- worker_rlimit_nofile ---------------------------------------------------

$t->write_config("daemon on;\nworker_rlimit_nofile 1234;\n$prelude"
    . "worker_processes 1;\n" . $http);
$t->run;
($w) = $t->wait_workers(1);
like($t->read_file("/proc/$w/limits") // '',
    qr/^Max open files\s+1234\s+1234\s/m,
    'worker_rlimit_nofile 1234: the worker\'s limit');
$t->stop;

# --- worker_shutdown_timeout ------------------------------------------------

$t->write_file('html/big.bin', 'x' x (32 * 1024 * 1024));
$t->write_config("daemon on;\nworker_shutdown_timeout 1s;\n$prelude"
    . "worker_processes 1;\n" . $http);
$master = $t->run;
($w) = $t->wait_workers(1);

my $dl = slow_get($t->port('A'), '/big.bin');
my $head = read_some($dl, 65536, 5);
like($head, qr{^HTTP/1\.[01] 200 }, 'a large download starts');

my $start = time();
$t->signal('QUIT');
ok(wait_until(sub { !Hive::Test::alive($w) }, 10),
    'worker_shutdown_timeout 1s: a stuck client does not hold QUIT');
my $took = time() - $start;
cmp_ok($took, '>=', 0.8, 'the worker waited about the timeout');
cmp_ok($took, '<', 5, 'and no longer');
ok(wait_until(sub { !Hive::Test::alive($master) }, 5), 'the master exits');
close($dl);
$t->stop;

$t->check_error_log_clean;

done_testing();

###############################################################################

sub wait_until {
    my ($cond, $timeout) = @_;
    my $deadline = time() + $timeout;

    until ($cond->()) {
        return 0 if time() > $deadline;
        sleep(0.05);
    }
    return 1;
}

sub ppid_of {
    my ($pid) = @_;
    my $stat = $t->read_file("/proc/$pid/stat") // '';
    return $stat =~ /\) \S (\d+) / ? $1 : -1;
}

sub uid_of {
    my ($pid) = @_;
    my $status = $t->read_file("/proc/$pid/status") // '';
    return $status =~ /^Uid:\s+(\d+)/m ? $1 : -1;
}

sub slow_get {
    my ($port, $path) = @_;
    socket(my $s, PF_INET, SOCK_STREAM, 0) or die "socket: $!";
    setsockopt($s, SOL_SOCKET, SO_RCVBUF, 16384) or die "SO_RCVBUF: $!";
    connect($s, pack_sockaddr_in($port, inet_aton('127.0.0.1')))
        or die "connect: $!";
    binmode($s);
    my $req = "GET $path HTTP/1.0\r\nHost: localhost\r\n\r\n";
    syswrite($s, $req) == length($req) or die "write: $!";
    return $s;
}

