#!/usr/bin/perl
#
# 85-log-failures.t - the access log fails (issue 8, faults): on a full
# disk (/dev/full, whose every write fails with ENOSPC) and after USR1
# when the log's directory is gone, requests are still served 200 by the
# same worker, nothing crashes, and the error is logged with the path -
# for a write error once a second at most, not once per request.

use strict;
use warnings;

use Test::More;
use File::Path qw(remove_tree);
use Time::HiRes qw(time sleep);
use Hive::Test qw(parse_response);

# --- disk full -------------------------------------------------------------

SKIP: {
    skip('/dev/full is not a writable device here', 6)
        unless -c '/dev/full' && -w '/dev/full';

    my $t = start('access_log /dev/full;');
    my ($worker) = $t->wait_workers(1);

    my $ok = 0;
    my $n = 60;
    my $t0 = time();
    for (1 .. $n) {
        my $r = parse_response($t->http_get('/pid'));
        $ok++ if ($r->{body} // '') eq "Request handled by worker-$worker\n";
        sleep(0.05);
    }
    my $secs = time() - $t0;
    is($ok, $n, "disk full: $n requests served 200 by the same worker");

    my @errs = grep { m{write\(\) to "/dev/full" failed \(28: No space} }
        split /\n/, $t->error_log;
    cmp_ok(scalar @errs, '>=', 2, 'disk full: the write error is logged'
        . ' with the path, and again while it lasts');
    cmp_ok(scalar @errs, '<=', int($secs) + 2, 'disk full: once a second'
        . ' at most (' . scalar(@errs) . " lines for $n requests in "
        . sprintf('%.1f', $secs) . ' s)');
    like($errs[0] // '', qr/\[error\]/, 'disk full: at level error');

    is_deeply([$t->worker_pids], [$worker], 'disk full: the worker is the'
        . ' same process');
    $t->check_error_log_clean;
}

# --- the log's directory removed, then USR1 --------------------------------

my $t = start('access_log acc/access.log;');
my ($worker) = $t->wait_workers(1);
my $dir = $t->testdir;

is(parse_response($t->http_get('/pid'))->{status}, 200, 'served before');
like($t->read_file('acc/access.log') // '', qr{"GET /pid HTTP/1.0" 200 },
    'the access log is written');

remove_tree("$dir/acc");
my $off = $t->log_offset;
$t->signal('USR1');
ok($t->wait_for_log(qr{open\(\) "\Q$dir\E/acc/access\.log" failed \(2: No}, 5,
    $off), 'USR1 with the directory gone: the failed open is logged with'
    . ' the path');

my $ok = 0;
for (1 .. 20) {
    my $r = parse_response($t->http_get('/pid'));
    $ok++ if ($r->{body} // '') eq "Request handled by worker-$worker\n";
}
is($ok, 20, 'requests are still served 200 by the same worker');
ok(Hive::Test::alive($t->master_pid), 'the master is alive');

# the directory back, USR1 again: the log is written again
mkdir("$dir/acc") or die "mkdir: $!";
$off = $t->log_offset;
$t->signal('USR1');
$t->wait_for_log(qr/reopening logs/, 5, $off);
my $deadline = time() + 5;
my $log = '';
while (time() < $deadline) {
    parse_response($t->http_get('/pid?again'));
    $log = $t->read_file('acc/access.log') // '';
    last if $log =~ m{GET /pid\?again };
    sleep(0.1);
}
like($log, qr{"GET /pid\?again HTTP/1\.0" 200 }, 'once the directory is'
    . ' back, USR1 makes the log written again');
is_deeply([$t->worker_pids], [$worker], 'the worker is the same process');

# a reopen that fails is logged at crit (nginx: emerg), not a fault
$t->check_error_log_clean(allow => qr{\[crit\] .*open\(\) ".*/acc/access\.log"}
    . qr{ failed \(2: No such file or directory\)});

done_testing();

###############################################################################

sub start {
    my ($log) = @_;
    my $t = Hive::Test->new;
    $t->write_config($t->config_prelude . <<"EOF");
worker_processes 1;

events {
    worker_connections 64;
}

http {
    $log

    server {
        listen 127.0.0.1:%%PORT_A%%;
        location /pid {
            echo_pid;
        }
    }
}
EOF
    mkdir($t->testdir . '/acc') or die "mkdir: $!";
    $t->run;
    return $t;
}
