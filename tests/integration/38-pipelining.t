#!/usr/bin/perl
#
# 38-pipelining.t - pipelined requests: mixed kinds in one write come
# back complete and in order; Connection: close and a 400 in the middle
# stop the pipeline there; a pipeline deeper than the held-output bound
# and a client that reads slowly still get every answer in order; and
# the answers to 16 pipelined /pid requests leave in one or two sends
# (counted with strace when it can attach).

use strict;
use warnings;

use Test::More;
use Socket qw(SOL_SOCKET SO_RCVBUF);
use Time::HiRes qw(time sleep);
use Hive::Test qw(parse_responses);

my $t = Hive::Test->new;

# 1500 bytes: 60 of them pass the 64 KB bound of held output
my $big = join('', map { sprintf("%04d\n", $_) } 1 .. 300);

$t->write_file('html/a.txt', "static file\n");
$t->write_config($t->minimal_config(<<"EOF", access_log => 0));
    include mime.types;
    server {
        listen 127.0.0.1:%%PORT_A%%;
        server_name localhost;
        location / { root html; }
        location = /pid { echo_pid; }
        location = /big { return 200 "$big"; }
        location = /post { return 200 "posted\n"; }
    }
EOF

$t->run;

my ($worker) = $t->wait_workers(1);
my $pid_body = "Request handled by worker-$worker\n";

sub get {
    my ($path, %o) = @_;
    my $m = $o{method} // 'GET';
    my $h = join('', map {"$_\r\n"} @{$o{headers} // []});
    return "$m $path HTTP/1.1\r\nHost: localhost\r\n$h\r\n";
}

# Sends $req in one write, reads until EOF; the parsed responses.
sub pipeline {
    my ($req, $methods, %o) = @_;
    my $c = $o{conn} // $t->connect or return ();
    $c->send($req);
    return parse_responses($c->read_all(timeout => 10), methods => $methods);
}

# --- 16 mixed requests in one write ----------------------------------------

my @kinds = (
    ['GET /pid', get('/pid'), 200, $pid_body],
    ['GET /a.txt', get('/a.txt'), 200, "static file\n"],
    ['GET /missing', get('/missing'), 404, qr/404 Not Found/],
    ['HEAD /a.txt', get('/a.txt', method => 'HEAD'), 200, ''],
    ['POST with a body',
        "POST /post HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\n"
        . "hello", 200, "posted\n"],
    ['GET /big', get('/big'), 200, $big],
);
my @seq = map { $kinds[$_ % @kinds] } 0 .. 14;
push @seq, ['GET /pid, close', get('/pid', headers => ['Connection: close']),
    200, $pid_body];

my @res = pipeline(join('', map { $_->[1] } @seq),
    [map { $_->[0] =~ /^HEAD/ ? 'HEAD' : 'GET' } @seq]);
is(scalar @res, 16, '16 pipelined requests: 16 responses');
for my $i (0 .. $#seq) {
    my ($name, undef, $status, $body) = @{$seq[$i]};
    my $r = $res[$i] // {};
    is($r->{status}, $status, "response $i ($name): status");
    if (ref $body) {
        like($r->{body}, $body, "response $i ($name): body");
    } else {
        is($r->{body}, $body, "response $i ($name): body");
    }
}
is($res[3]{headers}{'content-length'}, 12, 'HEAD: the length of the file');

# --- Connection: close and a 400 stop the pipeline --------------------------

@res = pipeline(get('/pid') . get('/a.txt', headers => ['Connection: close'])
    . get('/pid') . get('/pid'));
is(scalar @res, 2, 'Connection: close in the middle: no answer after it');
is($res[1]{headers}{connection}, 'close', 'the second says close');

@res = pipeline(get('/pid') . get('/pid') . "GET /x HTTP/1.1 junk\r\n\r\n"
    . get('/pid'));
is(join(' ', map { $_->{status} } @res), '200 200 400',
    'a 400 in the middle: the answers before it, then the 400 and the end');

# --- deeper than the bound, and a client that reads slowly -------------------

my $n = 120;
@res = pipeline(join('', map { get($_ % 2 ? '/big' : '/pid') } 1 .. $n - 1)
    . get('/pid', headers => ['Connection: close']));
is(scalar @res, $n, "$n pipelined: $n responses");
is(scalar(grep { $_->{status} == 200 } @res), $n, '... all 200');
is(scalar(grep { $res[$_]{body} eq ($_ % 2 ? $pid_body : $big) } 0 .. $n - 1),
    $n, '... in order');

SKIP: {
    # a small receive window: the server's socket fills while answers wait
    my $s;
    socket($s, Socket::PF_INET, Socket::SOCK_STREAM, 0)
        && setsockopt($s, SOL_SOCKET, SO_RCVBUF, 4096)
        && connect($s, Socket::pack_sockaddr_in($t->port('A'),
            Socket::inet_aton('127.0.0.1')))
        or skip("cannot open a socket with a small window: $!", 3);
    my $c = bless { sock => $s, buf => '' }, 'Hive::Test::Conn';
    $c->send(join('', map { get($_ % 2 ? '/big' : '/pid') } 1 .. $n - 1)
        . get('/pid', headers => ['Connection: close']));
    sleep(0.5);
    @res = parse_responses($c->read_all(timeout => 10));
    is(scalar @res, $n, "slow reader: $n responses");
    is(scalar(grep { $_->{status} == 200 } @res), $n, '... all 200');
    is(scalar(grep { $res[$_]{body} eq ($_ % 2 ? $pid_body : $big) }
        0 .. $n - 1), $n, '... in order');
}

# --- the answers to 16 pipelined /pid requests in one send ------------------

SKIP: {
    my ($strace) = grep { -x $_ } map {"$_/strace"} split /:/, $ENV{PATH};
    skip('strace is not installed', 3) unless $strace;

    my $out = $t->testdir . '/strace.out';
    my $err = $t->testdir . '/strace.err';
    my $c = $t->connect;
    $c->send(get('/pid'));    # the connection is accepted before tracing
    $c->read_response;

    my $spid = fork() // die "fork: $!";
    if ($spid == 0) {
        open(STDERR, '>', $err);
        exec($strace, '-e', 'trace=sendmsg,sendto,writev,write', '-o', $out,
            '-p', $worker) or POSIX::_exit(127);
    }
    my $deadline = time() + 5;
    sleep(0.05) until -s $err || time() > $deadline;
    my $attached = ($t->read_file($err) // '') =~ /attached/;
    if (!$attached) {
        kill('TERM', $spid);
        waitpid($spid, 0);
        skip('strace cannot attach to the worker: '
            . ($t->read_file($err) // ''), 3);
    }

    $c->send(join('', map { get('/pid') } 1 .. 16));
    my @r = map { $c->read_response } 1 .. 16;
    kill('INT', $spid);
    waitpid($spid, 0);

    is(scalar(grep { defined $_ && $_->{status} == 200 } @r), 16,
        '16 pipelined /pid on a traced worker: 16 responses');
    my @sends = grep {/^(?:sendmsg|sendto|writev|write)\(/}
        split /\n/, $t->read_file($out) // '';
    ok(@sends >= 1 && @sends <= 2, '... sent in 1 or 2 system calls')
        or diag(join("\n", @sends));
    is(length(join('', map { $_->{raw} } @r)), 16 * length($r[0]{raw}),
        '... every response whole');
}

$t->check_error_log_clean;

done_testing;
