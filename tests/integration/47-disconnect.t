#!/usr/bin/perl
#
# 47-disconnect.t - a client that disconnects in the middle of a 10 MB
# download frees everything at once: after 20 aborted downloads per case
# (sendfile on and off, keep-alive, a range, open_file_cache on) the
# worker's descriptor count is back to its baseline within a bounded wait,
# the worker still serves the file byte-exact, and the error log has no
# alert or crit line.

use strict;
use warnings;

use Test::More;
use IO::Socket::INET;
use Time::HiRes qw(sleep time);
use Digest::SHA qw(sha256_hex);
use Hive::Test qw(parse_response);

my $t = Hive::Test->new;

my $big = join('', map { pack('N', $_ * 2654435761 % 4294967291) }
    0 .. 10 * 1024 * 1024 / 4 - 1);
$t->write_file('html/big.bin', $big);

$t->write_config($t->config_prelude . <<'EOF');
worker_processes 1;

events {
}

http {
    include  mime.types;

    server {
        listen       127.0.0.1:%%PORT_A%%;
        server_name  localhost;
        root         html;
        sendfile     on;

        location /copy/ {
            alias     html/;
            sendfile  off;
        }
    }

    server {
        listen       127.0.0.1:%%PORT_B%%;
        server_name  localhost;
        root         html;
        sendfile     on;
        open_file_cache        max=10 inactive=60s;
        open_file_cache_valid  60s;
    }
}
EOF

$t->run;

my ($worker) = $t->wait_workers(1);
my $want = sha256_hex($big);

sub fds {
    opendir(my $dh, "/proc/$worker/fd") or return -1;
    my $n = grep { /^\d+$/ } readdir($dh);
    closedir($dh);
    return $n;
}

# the count settles at $base within 5 s; returns the last count seen
sub settle {
    my ($base) = @_;
    my $deadline = time() + 5;
    my $n;
    while (1) {
        $n = fds();
        return $n if $n == $base || time() > $deadline;
        sleep(0.05);
    }
}

sub full_get {
    my ($path, $port) = @_;
    return parse_response($t->http_get($path, port => $port, timeout => 20));
}

# one aborted download: the request, a few KB of the answer, close
sub abort_one {
    my ($req, $port) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
        PeerPort => $t->port($port), Proto => 'tcp', Timeout => 5)
        or return 0;
    print {$s} $req;
    my ($buf, $got) = ('', 0);
    my $deadline = time() + 5;
    while ($got < 8192 && time() < $deadline) {
        my $n = sysread($s, $buf, 4096);
        last unless $n;
        $got += $n;
    }
    close($s);
    return $got >= 8192;
}

my @cases = (
    [ 'sendfile on', 'A', "GET /big.bin HTTP/1.0\r\nHost: x\r\n\r\n" ],
    [ 'sendfile off', 'A', "GET /copy/big.bin HTTP/1.0\r\nHost: x\r\n\r\n" ],
    [ 'keep-alive', 'A', "GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n" ],
    [ 'a range', 'A',
        "GET /big.bin HTTP/1.0\r\nHost: x\r\nRange: bytes=1000-9999999\r\n\r\n" ],
    [ 'two ranges', 'A', "GET /copy/big.bin HTTP/1.0\r\nHost: x\r\n"
        . "Range: bytes=0-4999999,5000000-\r\n\r\n" ],
    [ 'open_file_cache', 'B', "GET /big.bin HTTP/1.0\r\nHost: x\r\n\r\n" ],
    [ 'open_file_cache, a range', 'B',
        "GET /big.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=1-\r\n\r\n" ],
);

for my $c (@cases) {
    my ($name, $port, $req) = @$c;

    # a full download first: the baseline includes what a cache keeps
    my $r = full_get($req =~ m{^GET (\S+)} ? $1 : '/', $port);
    is($r->{status}, 200, "$name: a full download first");
    sleep(0.2);
    my $base = fds();

    my $aborted = 0;
    for (1 .. 20) {
        $aborted++ if abort_one($req, $port);
    }
    is($aborted, 20, "$name: 20 downloads cut after 8 KB");

    is(settle($base), $base,
        "$name: the worker's descriptors back to $base");

    $r = full_get($req =~ m{^GET (\S+)} ? $1 : '/', $port);
    is($r->{status}, 200, "$name: the worker still serves");
    is(sha256_hex($r->{body} // ''), $want, "$name: byte-exact afterwards");
}

ok(kill(0, $worker), 'the same worker is alive');

$t->check_error_log_clean;

done_testing;
