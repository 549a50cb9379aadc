#!/usr/bin/perl
#
# 80-hostile.t - hostile clients (issue 8 of 8: hardening).  Chunk sizes
# that overflow, request smuggling (Content-Length against
# Transfer-Encoding, obfuscated Transfer-Encoding, odd Content-Length,
# bare CR, NUL, obs-fold), control bytes in the request target and in the
# access log, slowloris, many connections opened and dropped.  Every
# refused request must get its status and a closed connection, and no
# second request may be parsed out of its body: /smuggled answers
# "SMUGGLED", which must never be seen.  At the end the one worker still
# serves and holds as many descriptors as before the attack.

use strict;
use warnings;

use Test::More;
use Time::HiRes qw(time sleep);
use IO::Socket::INET;
use Socket qw(SOL_SOCKET SO_LINGER);
use Hive::Test qw(parse_response parse_responses);

my $t = Hive::Test->new;

$t->write_config($t->config_prelude . <<'EOF');
worker_processes 1;

events {
    worker_connections 512;
}

http {
    access_log  logs/access.log;

    server {
        listen                 127.0.0.1:%%PORT_A%%;
        server_name            localhost;
        client_header_timeout  1s;
        client_body_timeout    2s;
        keepalive_timeout      10s;

        location / {
            return 200 "ok\n";
        }

        location = /smuggled {
            return 200 "SMUGGLED\n";
        }
    }
}
EOF

$t->run;
my ($worker) = $t->wait_workers(1);

sub fd_count {
    opendir(my $d, "/proc/$worker/fd") or return -1;
    my $n = grep { !/^\./ } readdir($d);
    closedir($d);
    return $n;
}

# The descriptors of a worker at rest, after one request so that anything
# opened lazily is open.
my $r = parse_response($t->http_get('/'));
is($r->{status}, 200, 'the worker serves before the attack');
my $baseline = fd_count();
ok($baseline > 0, "the worker's descriptors can be counted ($baseline)");

my $smuggle = "GET /smuggled HTTP/1.1\r\nHost: localhost\r\n\r\n";

# Sends $req on a fresh connection; the first response must have a status
# matching $status, the connection must then close, and nothing may
# follow the response (no answer to a request hidden in the body).
sub refused {
    my ($name, $req, $status, $todo) = @_;
    my $c = $t->connect;
    $c->send($req);
    my $r = $c->read_response(timeout => 3);
    my $closed = $c->is_closed(3);
    my $rest = $c->buffer;
    $c->close;

    {
        local $TODO = $todo;
        like($r ? $r->{status} // '' : 'none', $status, "$name: status");
    }
    ok($closed, "$name: connection closed");
    is($rest, '', "$name: nothing answered after it")
        or diag(substr($rest, 0, 200));
}

# --- chunk sizes that overflow ---------------------------------------------

my $post = "POST / HTTP/1.1\r\nHost: localhost\r\n"
    . "Transfer-Encoding: chunked\r\n\r\n";

# The body is read before any handler answers (http/request_body.c), so
# a malformed chunk that came with the header is answered 400, as nginx.

refused('chunk size ffffffffffffffff',
    $post . "ffffffffffffffff\r\nx\r\n0\r\n\r\n" . $smuggle, qr/^400$/);
refused('chunk size with 17 hex digits',
    $post . "10000000000000000\r\n" . $smuggle, qr/^400$/);
refused('chunk size with 32 hex digits',
    $post . ("f" x 32) . "\r\n" . $smuggle, qr/^400$/);
refused('negative chunk size', $post . "-1\r\nx\r\n0\r\n\r\n" . $smuggle,
    qr/^400$/);
refused('chunk size 0x-prefixed', $post . "0x5\r\nhello\r\n0\r\n\r\n",
    qr/^400$/);

# A chunk of 2^61 bytes announced and never sent (a sum past 2^63 cannot
# be sent in a test): the server must neither wrap nor wait for ever.
# It is past client_max_body_size: 413 at once, then the lingering close
# reads for at most 5 s of silence (HV_HTTP_LINGERING_TIMEOUT in
# http/request_internal.h).
{
    my $c = $t->connect;
    my $t0 = time;
    $c->send($post . "1fffffffffffffff\r\nabc");
    my $closed = $c->is_closed(8);
    my $took = time - $t0;
    $c->close;
    ok($closed, 'a huge announced chunk never sent: the connection closes');
    like($c->buffer, qr{^HTTP/1\.1 413 }, '... after a 413');
    ok($took < 7.5, sprintf('within the lingering timeout (%.1f s)', $took));
}

# --- request smuggling -------------------------------------------------------

my $h = "POST / HTTP/1.1\r\nHost: localhost\r\n";

refused('Content-Length with Transfer-Encoding',
    $h . "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
    . "0\r\n\r\n" . $smuggle, qr/^400$/);
refused('Transfer-Encoding then Content-Length',
    $h . "Transfer-Encoding: chunked\r\nContent-Length: 45\r\n\r\n"
    . "0\r\n\r\n" . $smuggle, qr/^400$/);
refused('Transfer-Encoding: chunked, identity',
    $h . "Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n" . $smuggle,
    qr/^(?:400|501)$/);
refused('Transfer-Encoding: identity, chunked',
    $h . "Transfer-Encoding: identity, chunked\r\n\r\n0\r\n\r\n" . $smuggle,
    qr/^(?:400|501)$/);
refused('Transfer-Encoding: gzip, chunked (unknown coding)',
    $h . "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n" . $smuggle,
    qr/^501$/);
refused('Transfer-Encoding: xchunked',
    $h . "Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n" . $smuggle,
    qr/^501$/);
refused('Transfer-Encoding after a leading space (obs-fold)',
    $h . "Content-Length: 0\r\n Transfer-Encoding: chunked\r\n\r\n"
    . "0\r\n\r\n" . $smuggle, qr/^400$/);
refused('space before the colon',
    $h . "Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n" . $smuggle,
    qr/^400$/);
refused('Transfer-Encoding with \x0b',
    $h . "Transfer-Encoding:\x0bchunked\r\n\r\n0\r\n\r\n" . $smuggle,
    qr/^400$/);
refused('Transfer-Encoding: chunked\x0b',
    $h . "Transfer-Encoding: chunked\x0b\r\n\r\n0\r\n\r\n" . $smuggle,
    qr/^400$/);
refused('duplicate Transfer-Encoding',
    $h . "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"
    . "0\r\n\r\n" . $smuggle, qr/^400$/);
refused('Transfer-Encoding in HTTP/1.0',
    "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    . $smuggle, qr/^400$/);
refused('Content-Length with a plus sign',
    $h . "Content-Length: +45\r\n\r\n" . $smuggle, qr/^400$/);
refused('Content-Length with a minus sign',
    $h . "Content-Length: -1\r\n\r\n" . $smuggle, qr/^400$/);
refused('Content-Length as a comma list',
    $h . "Content-Length: 45, 45\r\n\r\n" . $smuggle, qr/^400$/);
refused('conflicting Content-Length headers',
    $h . "Content-Length: 0\r\nContent-Length: 45\r\n\r\n" . $smuggle,
    qr/^400$/);
refused('Content-Length in hex', $h . "Content-Length: 0x2d\r\n\r\n"
    . $smuggle, qr/^400$/);
refused('Content-Length past 2^63',
    $h . "Content-Length: 99999999999999999999\r\n\r\n" . $smuggle,
    qr/^(?:400|413)$/);
refused('bare CR in a field',
    $h . "Content-Length: 0\r\nX-A: a\rTransfer-Encoding: chunked\r\n\r\n"
    . "0\r\n\r\n" . $smuggle, qr/^400$/);
refused('bare CR ending the request line',
    "GET / HTTP/1.1\rHost: localhost\r\n\r\n", qr/^400$/);
refused('NUL in a field value', $h . "X-A: a\0b\r\nContent-Length: 0\r\n\r\n"
    . $smuggle, qr/^400$/);
refused('NUL in a field name', $h . "X-\0A: b\r\nContent-Length: 0\r\n\r\n"
    . $smuggle, qr/^400$/);
refused('obs-fold', $h . "X-A: a\r\n\tb\r\nContent-Length: 0\r\n\r\n"
    . $smuggle, qr/^400$/);

# The legitimate spellings still frame the body: a chunked body in any
# case, a Content-Length with leading zeros, a repeated equal one.  The
# request pipelined after the body is a real one and is answered.
for my $case (['TRANSFER-ENCODING: CHUNKED', "5\r\nhello\r\n0\r\n\r\n"],
    ['Transfer-Encoding: Chunked', "5;ext=1\r\nhello\r\n0\r\nT: x\r\n\r\n"],
    ['Content-Length: 005', 'hello'],
    ["Content-Length: 5\r\nContent-Length: 5", 'hello']) {
    my ($hdr, $body) = @$case;
    my $c = $t->connect;
    $c->send($h . "$hdr\r\n\r\n$body"
        . "GET /smuggled HTTP/1.1\r\nHost: localhost\r\nConnection: close"
        . "\r\n\r\n");
    my @rs = parse_responses($c->read_all(timeout => 3));
    $c->close;
    my $name = $hdr =~ s/\r\n/ + /gr;
    is(scalar @rs, 2, "$name: body framed, the next request answered");
    is($rs[0] && $rs[0]{body}, "ok\n", "$name: the POST answered");
    is($rs[1] && $rs[1]{body}, "SMUGGLED\n",
        "$name: the pipelined request answered after the body");
}

# --- control bytes in the request target ------------------------------------

for my $target ("/a\x01b", "/a\x7f", "/a\x1b[31m", "/a b", "/a\tb", "/a\0b") {
    (my $shown = $target) =~ s/([^\x21-\x7e])/sprintf('\\x%02x', ord $1)/ge;
    refused("target $shown", "GET $target HTTP/1.1\r\nHost: localhost\r\n\r\n",
        qr/^400$/);
}

# --- control bytes escaped in the access log --------------------------------

$r = parse_response($t->http_get("/log-\xff-%22",
    headers => ["User-Agent: ua\"q\\b\xc3\xa9\x7f"]));
ok($r->{status}, 'a request with odd bytes in the log fields is answered');

{
    my $log = '';
    my $deadline = time + 3;
    while (time < $deadline) {
        $log = $t->read_file('logs/access.log') // '';
        last if $log =~ /log-/;
        sleep(0.05);
    }
    like($log, qr/log-/, 'the access log has the request');
    my @raw = $log =~ /([\x00-\x09\x0b-\x1f\x7f-\xff])/g;
    is(scalar @raw, 0, 'no raw control or 8-bit byte in the access log')
        or diag(join ' ', map { sprintf '%02x', ord } @raw[0 .. 9]);
    unlike($log, qr/ua"q/, 'a quote from the client is escaped');
}

# --- slowloris ---------------------------------------------------------------

{
    my $c = $t->connect;
    my $t0 = time;
    my $req = "GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: "
        . ("a" x 40);
    my $closed = 0;
    for my $i (0 .. length($req) - 1) {
        last unless $c->send(substr($req, $i, 1));
        if ($c->is_closed(0.15)) {
            $closed = 1;
            last;
        }
        last if time - $t0 > 6;
    }
    my $took = time - $t0;
    $c->close;
    ok($closed, 'a header sent a byte at a time is cut off');
    ok($took < 3, sprintf('by client_header_timeout 1s (%.1f s)', $took));
}

# --- many connections opened and dropped ------------------------------------

{
    my @socks;
    for my $i (1 .. 200) {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
            PeerPort => $t->port('A'), Proto => 'tcp', Timeout => 3) or last;
        syswrite($s, "GET / HTTP/1.1\r\nHost: loc") if $i % 3 == 0;
        syswrite($s, "POST / HTTP/1.1\r\nHost: localhost\r\n"
            . "Content-Length: 100\r\n\r\nabc") if $i % 3 == 1;
        # every fourth is reset rather than closed
        setsockopt($s, SOL_SOCKET, SO_LINGER, pack('ii', 1, 0))
            if $i % 4 == 0;
        push @socks, $s;
    }
    is(scalar @socks, 200, '200 connections opened');
    close($_) for @socks;
}

# --- afterwards --------------------------------------------------------------

$r = parse_response($t->http_get('/'));
is($r->{status}, 200, 'the worker still serves after the attack');
is(join(' ', $t->worker_pids), $worker, 'the same worker, never restarted');

{
    my $n = -1;
    my $deadline = time + 5;
    while (time < $deadline) {
        $n = fd_count();
        last if $n == $baseline;
        sleep(0.1);
    }
    is($n, $baseline, "the worker's descriptors are back to the baseline");
}

$t->check_error_log_clean;

done_testing();
