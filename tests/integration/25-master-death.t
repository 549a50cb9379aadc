#!/usr/bin/perl
#
# 25-master-death.t - kill -9 of the master (issue 8): its workers notice
# (the closed channel, or the parent-death signal), close their listening
# sockets at once so that a new master binds the same port without
# waiting, finish the download in flight and exit.  With each accept
# strategy, since each one gives the workers other sockets to watch.

use strict;
use warnings;

use Digest::MD5 qw(md5_hex);
use IO::Select;
use IO::Socket::INET;
use Test::More;
use Time::HiRes qw(time sleep);
use Hive::Test qw(parse_response read_some);

my $t = Hive::Test->new;

# large enough that most of it is still in the worker's hands (not in
# socket buffers) while the client pauses
my $SIZE = 24 * 1024 * 1024;
my $big = join('', map { sprintf("%07d\n", $_) } 0 .. $SIZE / 8 - 1);
$t->write_file('html/big.bin', $big);
my $md5 = md5_hex($big);
undef $big;

for my $strategy (qw(mutex exclusive reuseport handoff)) {
    master_death($strategy);
}

$t->check_error_log_clean;

done_testing();

###############################################################################

sub master_death {
    my ($strategy) = @_;

    $t->write_config($t->config_prelude . <<"EOF");
worker_processes 2;

events {
    worker_connections 128;
    accept_strategy $strategy;
}

http {
    server {
        listen 127.0.0.1:%%PORT_A%%;
        location / {
            root html;
        }
        location = /pid {
            echo_pid;
        }
    }
}
EOF

    my $master = $t->run;
    my @old = $t->wait_workers(2);
    is(scalar @old, 2, "$strategy: two workers");

    # a download in flight: the headers and a little of the body read
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
        PeerPort => $t->port('A'), Proto => 'tcp', Timeout => 5)
        or die "connect: $!";
    binmode($s);
    print $s "GET /big.bin HTTP/1.1\r\nHost: localhost\r\n"
        . "Connection: close\r\n\r\n";
    my $got = read_some($s, 256 * 1024, 5);
    like($got, qr/^HTTP\/1\.1 200 /, "$strategy: the download starts");

    my $off = $t->log_offset;
    kill('KILL', $master);
    my $killed = time();
    ok($t->wait_until(sub { !Hive::Test::alive($master) }, 5),
        "$strategy: the master is gone");

    # the same ports at once: run() fails if the bind does not succeed
    my $new = eval { $t->run };
    ok($new, "$strategy: a new master starts on the same port")
        or diag($@);
    unless ($new) {
        close($s);
        $t->stop;
        return;
    }
    my $took = time() - $killed;
    my @bind = grep { /bind\(\) to .* failed/ }
        split /\n/, substr($t->error_log, $off);
    is(scalar @bind, 0, "$strategy: it binds at the first try"
        . sprintf(' (ready %.2f s after the kill)', $took))
        or diag(join("\n", @bind));

    my @new = $t->wait_workers(2);
    my %new = map { $_ => 1 } @new;
    my ($fresh, $by_new) = (0, 0);
    for (1 .. 10) {
        my $r = parse_response($t->http_get('/pid', timeout => 3));
        $fresh++ if ($r->{status} // 0) == 200;
        $by_new++ if ($r->{body} // '') =~ /worker-(\d+)$/ && $new{$1};
    }
    is($fresh, 10, "$strategy: new connections are answered");
    is($by_new, 10, "$strategy: by the new master's workers only");

    my @left = grep { Hive::Test::alive($_) } @old;
    cmp_ok(scalar @left, '>=', 1, "$strategy: the worker with the"
        . ' download is still there');

    # the rest of the download, whole (a loaded CI machine is slow)
    my $t0 = time();
    $got .= read_some($s, $SIZE * 2, 60);
    close($s);
    my $r = parse_response($got);
    is(length($r->{body} // ''), $SIZE, "$strategy: the download"
        . ' completes') or diag(sprintf("%d bytes in %.1f s\n",
        length($r->{body} // ''), time() - $t0), substr($t->error_log, $off));
    ok(md5_hex($r->{body} // '') eq $md5, "$strategy: intact");

    ok($t->wait_until(sub { !(grep { Hive::Test::alive($_) } @old) }, 5),
        "$strategy: the old workers exit once it is done");
    my $w = $old[0];
    ok($t->wait_for_log(qr/\[notice\] $w#\d+: gracefully shutting down/, 1,
        $off), "$strategy: the old workers stopped gracefully");

    $t->stop;
}

# Reads until $max bytes, EOF or $timeout seconds.
