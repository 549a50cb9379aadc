#!/usr/bin/perl
#
# 83-fd-exhaustion.t - descriptor exhaustion (issue 8, faults): with a low
# worker_rlimit_nofile the test holds connections open until accept()
# fails with EMFILE.  The worker then backs off instead of spinning (little
# CPU time while exhausted), logs the error once a second at most, keeps
# serving the connections it has, and serves new ones again once the test
# lets descriptors go (the one waiting in the backlog included).  Then the
# same for the master, which accepts under accept_strategy handoff: the
# test lowers its open-file limit with prlimit (it spun a core and wrote
# about 250,000 log lines a second before it backed off too).

use strict;
use warnings;

use Test::More;
use Time::HiRes qw(time sleep);
use POSIX qw(sysconf _SC_CLK_TCK);
use Hive::Test qw(parse_response);

my $NOFILE = 64;
my $EMFILE = qr/accept4\(\) on \S+ failed \(24: Too many open files\)/;

my $t = Hive::Test->new;
$t->write_config($t->config_prelude . <<"EOF");
worker_processes 1;
worker_rlimit_nofile $NOFILE;

events {
    worker_connections 512;
}

http {
    access_log off;
    keepalive_timeout 60s;

    server {
        listen 127.0.0.1:%%PORT_A%%;
        location = /pid {
            echo_pid;
        }
    }
}
EOF

my $master = $t->run;
my ($worker) = $t->wait_workers(1);
ok($worker, 'one worker');

my $req = "GET /pid HTTP/1.1\r\nHost: localhost\r\n\r\n";

# --- fill the worker's descriptor table ----------------------------------

my (@held, $waiting);
my $off = $t->log_offset;
for my $i (1 .. $NOFILE + 10) {
    my $c = $t->connect or last;
    $c->send($req);
    my $r = $c->read_response(timeout => 2);
    if (!$r) {
        $waiting = $c;    # accepted by the kernel, not by the worker
        last;
    }
    push @held, $c;
}
ok($waiting, 'a connection stays unanswered once the worker is out of'
    . ' descriptors (' . scalar(@held) . ' held)');
cmp_ok(scalar @held, '<', $NOFILE, "fewer than $NOFILE connections were"
    . ' served');
ok($t->wait_for_log($EMFILE, 5, $off),
    'accept4() failed (24: Too many open files) is logged');

# --- no spinning, no log flood -------------------------------------------

backs_off($t, $worker, 'worker', 4, 0.4);

# --- what it has, it serves ------------------------------------------------

my $ok = 0;
for my $c (@held[0, -1]) {
    $c->send($req);
    my $r = $c->read_response(timeout => 5);
    $ok++ if $r && $r->{status} == 200
        && $r->{body} eq "Request handled by worker-$worker\n";
}
is($ok, 2, 'connections already open are still served');

# --- and it recovers ---------------------------------------------------------

$_->close for splice(@held, 0, 20);

my $r = $waiting->read_response(timeout => 5);
is($r && $r->{status}, 200, 'the connection that waited in the backlog is'
    . ' served once descriptors are free');

my $fresh = 0;
for (1 .. 5) {
    $r = parse_response($t->http_get('/pid', timeout => 5));
    $fresh++ if ($r->{status} // 0) == 200;
}
is($fresh, 5, 'new connections are served again');
is(($t->worker_pids)[0], $worker, 'by the same worker');

$_->close for @held, $waiting;

$t->check_error_log_clean;

# --- handoff: the master runs out -------------------------------------------

SKIP: {
    my $prlimit = `sh -c 'command -v prlimit' 2>/dev/null`;
    chomp $prlimit;
    skip 'prlimit (util-linux) is missing', 9 unless $prlimit;

    my $h = Hive::Test->new;
    $h->write_config($h->config_prelude . <<"CONF");
worker_processes 2;

events {
    worker_connections 512;
    accept_strategy handoff;
}

http {
    access_log off;

    server {
        listen 127.0.0.1:%%PORT_A%%;
        location = /pid {
            echo_pid;
        }
    }
}
CONF
    my $m = $h->run;
    $h->wait_workers(2);
    my $soft = nofile_soft($m);

    # the soft limit at the master's lowest free descriptor: the next
    # accept4() fails with EMFILE
    my $free = lowest_free_fd($m);
    is(system($prlimit, '--pid', $m, "--nofile=$free:"), 0,
        "the master's open-file limit is lowered to $free");

    my $off = $h->log_offset;
    my $c = $h->connect;
    $c->send($req);
    ok($h->wait_for_log($EMFILE, 5, $off), 'handoff: the master logs'
        . ' accept4() failed (24: Too many open files)');

    backs_off($h, $m, 'master', 3, 0.3);

    is(system($prlimit, '--pid', $m, "--nofile=$soft:"), 0,
        "the limit goes back to $soft");
    $r = $c->read_response(timeout => 5);
    is($r && $r->{status}, 200, 'the client that waited in the backlog is'
        . ' served once the master has descriptors again');
    $c->close;

    $fresh = 0;
    for (1 .. 5) {
        $r = parse_response($h->http_get('/pid', timeout => 5));
        $fresh++ if ($r->{status} // 0) == 200;
    }
    is($fresh, 5, 'and so are new clients');

    $h->check_error_log_clean;
}

done_testing();

###############################################################################

# While exhausted for $secs seconds, process $pid of server $t uses less
# than $max_cpu s of CPU and logs EMFILE at least once, at most once a
# second.
sub backs_off {
    my ($t, $pid, $who, $secs, $max_cpu) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    my $hz = sysconf(_SC_CLK_TCK) || 100;
    my $cpu0 = cpu_ticks($pid);
    my $log0 = $t->log_offset;
    my $t0 = time();
    sleep($secs);
    my $ticks = cpu_ticks($pid) - $cpu0;
    my $took = time() - $t0;

    cmp_ok($ticks / $hz, '<', $max_cpu, sprintf('the %s does not spin: %.2f'
        . ' s of CPU in %.1f s while exhausted', $who, $ticks / $hz, $took));
    my $lines = () = substr($t->error_log, $log0) =~ /$EMFILE/g;
    cmp_ok($lines, '<=', int($took) + 1, "the $who logs the error at most"
        . " once a second ($lines lines in " . sprintf('%.1f', $took) . ' s)');
    cmp_ok($lines, '>=', 1, "and the $who keeps logging it while it lasts");
}

# The lowest descriptor number $pid has free.
sub lowest_free_fd {
    my ($pid) = @_;
    opendir(my $dh, "/proc/$pid/fd") or return 0;
    my %used = map { $_ => 1 } grep { /^\d+$/ } readdir $dh;
    closedir $dh;
    my $fd = 0;
    $fd++ while $used{$fd};
    return $fd;
}

# The soft limit of open files of $pid.
sub nofile_soft {
    my ($pid) = @_;
    open(my $fh, '<', "/proc/$pid/limits") or return 1024;
    while (<$fh>) {
        return $1 if /^Max open files\s+(\d+)/;
    }
    return 1024;
}

# utime + stime of $pid, in clock ticks (fields 14 and 15 of its stat).
sub cpu_ticks {
    my ($pid) = @_;
    open(my $fh, '<', "/proc/$pid/stat") or return 0;
    my $stat = <$fh> // '';
    close($fh);
    $stat =~ s/^.*\) //s;
    my @f = split / /, $stat;
    return $f[11] + $f[12];
}
