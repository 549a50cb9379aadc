#!/usr/bin/perl
#
# 33-http-engine.t - the HTTP engine seen from a raw socket: header buffer
# limits (414, 400 "Request Header Or Cookie Too Large"), framing errors
# (Content-Length with Transfer-Encoding, conflicting lengths, unknown
# codings, HTTP/2.0), request bodies read away so that pipelined requests
# still parse (Content-Length and chunked), keep-alive in 1.0 and 1.1,
# keepalive_requests, and the timeouts that close slow clients.

use strict;
use warnings;

use Test::More;
use Time::HiRes qw(time sleep);
use Hive::Test qw(parse_response parse_responses);

my $t = Hive::Test->new;

$t->write_file('html/index.html', "index\n");
$t->write_file('html/err404.html', "custom not found\n");
$t->write_file('html/big.bin', 'x' x (4 * 1024 * 1024));

$t->write_config($t->config_prelude . <<'EOF');
worker_processes 1;

events {
    worker_connections 64;
}

http {
    include       mime.types;
    default_type  application/octet-stream;
    access_log    logs/access.log;
    client_header_timeout  1s;
    keepalive_timeout      2s;
    send_timeout           1s;

    server {
        listen       127.0.0.1:%%PORT_A%%;
        server_name  localhost;

        location / {
            root   html;
            error_page 404 /err404.html;
        }

        location = /text {
            return 200 "text\n";
        }

        location = /two {
            keepalive_requests 2;
            return 200 "two\n";
        }
    }

    server {
        listen       127.0.0.1:%%PORT_A%%;
        server_name  other.example;

        location / {
            return 200 "other\n";
        }
    }
}
EOF

$t->run;

sub req {
    my ($text, %o) = @_;
    return parse_response($t->http($text, %o), %o);
}

# --- header buffers -----------------------------------------------------------

my $r = req("GET /text?" . ('a' x 5000) . " HTTP/1.1\r\nHost: localhost\r\n"
    . "Connection: close\r\n\r\n");
is($r->{status}, 200, 'a 5k request line fits a large buffer');

$r = req("GET /" . ('a' x 9000) . " HTTP/1.1\r\nHost: localhost\r\n\r\n");
is($r->{status}, 414, 'a request line longer than 8k: 414');
like($r->{body}, qr{<title>414 Request-URI Too Large</title>}, '414 page');
is($r->{headers}{connection}, 'close', '414 closes the connection');

$r = req("GET /text HTTP/1.1\r\nHost: localhost\r\nX-Big: " . ('b' x 9000)
    . "\r\n\r\n");
is($r->{status}, 400, 'a header field longer than 8k: 400');
like($r->{body}, qr{<title>400 Request Header Or Cookie Too Large</title>},
    '... with nginx\'s page');

my $many = join('', map { "X-H$_: " . ('c' x 7000) . "\r\n" } 1 .. 5);
$r = req("GET /text HTTP/1.1\r\nHost: localhost\r\n$many\r\n");
is($r->{status}, 400, 'five 7k fields exceed 4 large buffers: 400');

$many = join('', map { "X-H$_: " . ('c' x 7000) . "\r\n" } 1 .. 3);
$r = req("GET /text HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
    . "$many\r\n");
is($r->{status}, 200, 'three 7k fields fit');

$many = join('', map { "X-H$_: $_\r\n" } 1 .. 500);
$r = req("GET /text HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
    . "$many\r\n");
is($r->{status}, 200, '500 small fields');

# --- the request line and fields ----------------------------------------------

$r = req("GET /text HTTP/2.0\r\nHost: localhost\r\n\r\n");
is($r->{status}, 505, 'HTTP/2.0: 505');
like($r->{body}, qr{505 HTTP Version Not Supported}, '505 page');

$r = req("GET /text http/1.1\r\nHost: localhost\r\n\r\n");
is($r->{status}, 400, 'lower-case protocol: 400');

$r = req("GET /text HTTP/1.1\rHost: localhost\r\n\r\n");
is($r->{status}, 400, 'bare CR: 400');

$r = req("GET /text HTTP/1.1\r\nHost : localhost\r\n\r\n");
is($r->{status}, 400, 'space before the colon: 400');

$r = req("GET /text HTTP/1.1\r\nHost: localhost\r\nX: a\r\n b\r\n\r\n");
is($r->{status}, 400, 'obs-fold: 400');

$r = req("GET /text HTTP/1.1\nHost: localhost\nConnection: close\n\n");
is($r->{status}, 200, 'bare LF line ends');

$r = req("GET /te%78t HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
is($r->{body}, "text\n", 'percent-decoding before the location lookup');

$r = req("GET /a/../text HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
is($r->{body}, "text\n", 'dot segments removed');

$r = req("GET /%2e%2e/x HTTP/1.1\r\nHost: localhost\r\n\r\n");
is($r->{status}, 400, '%2e%2e above the root: 400');

$r = req("GET /a%00b HTTP/1.1\r\nHost: localhost\r\n\r\n");
is($r->{status}, 400, '%00: 400');

$r = req("GET http://other.example/ HTTP/1.1\r\nHost: localhost\r\n"
    . "Connection: close\r\n\r\n");
is($r->{body}, "other\n", 'absolute-form: its host chooses the server');

$r = req("GET /text HTTP/1.1\r\nHost: localhost\r\nHost: localhost\r\n\r\n");
is($r->{status}, 400, 'two Host fields: 400');

$r = req("GET /text HTTP/1.1\r\nHost: a/b\r\n\r\n");
is($r->{status}, 400, 'a Host with a slash: 400');

$r = req("GET /text HTTP/1.1\r\nHost: OTHER.Example.:80\r\n"
    . "Connection: close\r\n\r\n");
is($r->{body}, "other\n", 'Host is matched without case, port or final dot');

# --- framing ------------------------------------------------------------------

my $c = $t->connect;
$c->send("POST /text HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n"
    . "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
$r = $c->read_response;
is($r && $r->{status}, 400, 'Content-Length and Transfer-Encoding: 400');
ok($c->is_closed(2), '... and the connection is closed');
$c->close;

$r = req("POST /text HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n"
    . "Content-Length: 6\r\n\r\nhello!");
is($r->{status}, 400, 'conflicting Content-Length: 400');

$r = req("POST /text HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n"
    . "Content-Length: 5\r\nConnection: close\r\n\r\nhello");
is($r->{status}, 200, 'a repeated identical Content-Length is accepted');

$r = req("POST /text HTTP/1.1\r\nHost: localhost\r\nContent-Length: +5\r\n\r\n");
is($r->{status}, 400, 'Content-Length with a sign: 400');

$r = req("POST /text HTTP/1.1\r\nHost: localhost\r\n"
    . "Transfer-Encoding: gzip, chunked\r\n\r\n");
is($r->{status}, 501, 'a transfer coding other than chunked: 501');

$r = req("POST /text HTTP/1.0\r\nHost: localhost\r\n"
    . "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
is($r->{status}, 400, 'Transfer-Encoding in HTTP/1.0: 400');

# --- bodies read away, pipelining ---------------------------------------------

$c = $t->connect;
$c->send("POST /text HTTP/1.1\r\nHost: localhost\r\nContent-Length: 11\r\n\r\n"
    . "hello world"
    . "GET /index.html HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
my @rs = parse_responses($c->read_all);
is(scalar @rs, 2, 'a body and a pipelined request: two answers');
is($rs[0] && $rs[0]{body}, "text\n", '... the POST first');
is($rs[1] && $rs[1]{body}, "index\n", '... then the GET');
$c->close;

$c = $t->connect;
$c->send("POST /text HTTP/1.1\r\nHost: localhost\r\n"
    . "Transfer-Encoding: chunked\r\n\r\n"
    . "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: y\r\n\r\n"
    . "GET /index.html HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
@rs = parse_responses($c->read_all);
is(scalar @rs, 2, 'a chunked body with trailers, then a pipelined request');
is($rs[1] && $rs[1]{body}, "index\n", '... the second is parsed after it');
$c->close;

# The body is read before the handler answers (http/request_body.c).
$c = $t->connect;
$c->send("POST /text HTTP/1.1\r\nHost: localhost\r\n"
    . "Transfer-Encoding: chunked\r\n\r\n5\r\nhel");
$r = $c->read_response(timeout => 0.5);
ok(!$r, 'no answer before the chunked body is complete');
$c->send("lo\r\n0\r\n\r\nGET /index.html HTTP/1.1\r\nHost: localhost\r\n\r\n");
$r = $c->read_response;
is($r && $r->{status}, 200, '... the answer once it is');
$r = $c->read_response;
is($r && $r->{body}, "index\n", 'the rest of the body, then the next request');
$c->close;

$c = $t->connect;
$c->send("POST /text HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000\r\n\r\n");
for (1 .. 10) {
    $c->send('z' x 10000);
    sleep(0.01);
}
$r = $c->read_response;
is($r && $r->{status}, 200, 'answered after a large body');
$c->send("GET /index.html HTTP/1.1\r\nHost: localhost\r\n\r\n");
$r = $c->read_response;
is($r && $r->{body}, "index\n", 'a 100k body read away, then the next request');
$c->close;

$c = $t->connect;
$c->send("POST /text HTTP/1.1\r\nHost: localhost\r\n"
    . "Transfer-Encoding: chunked\r\n\r\nzz\r\n");
$r = $c->read_response;
is($r && $r->{status}, 400, 'a malformed chunk size: 400');
ok($c->is_closed(2), '... which then closes the connection');
$c->close;

my $pipe = join('', map { "GET /text HTTP/1.1\r\nHost: localhost\r\n\r\n" }
    1 .. 30);
$c = $t->connect;
$c->send($pipe . "GET /index.html HTTP/1.1\r\nHost: localhost\r\n"
    . "Connection: close\r\n\r\n");
@rs = parse_responses($c->read_all);
is(scalar @rs, 31, '31 pipelined requests in one write, 31 answers');
is(scalar(grep { ($_->{body} // '') eq "text\n" } @rs[0 .. 29]), 30,
    '... in order');
$c->close;

# a header that needs a large buffer, then a pipelined request behind it
$c = $t->connect;
$c->send("GET /text HTTP/1.1\r\nHost: localhost\r\nX-Big: " . ('b' x 3000)
    . "\r\n\r\nGET /text?" . ('q' x 2000) . " HTTP/1.1\r\nHost: localhost\r\n"
    . "X-Big: " . ('b' x 3000) . "\r\n\r\n"
    . "GET /index.html HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
@rs = parse_responses($c->read_all);
is(scalar @rs, 3, 'pipelined requests that need large header buffers');
is($rs[2] && $rs[2]{body}, "index\n", '... answered in order');
$c->close;

# one byte at a time
$c = $t->connect;
for my $ch (split //, "GET /text HTTP/1.1\r\nHost: localhost\r\n\r\n") {
    $c->send($ch);
    sleep(0.002);
}
$r = $c->read_response;
is($r && $r->{body}, "text\n", 'a request sent one byte at a time');
$c->close;

# --- keep-alive ---------------------------------------------------------------

$c = $t->connect;
$c->send("GET /text HTTP/1.0\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n");
$r = $c->read_response;
is($r && $r->{headers}{connection}, 'keep-alive',
    'HTTP/1.0 with Connection: keep-alive: kept');
$c->send("GET /text HTTP/1.0\r\nHost: localhost\r\n\r\n");
$r = $c->read_response;
is($r && $r->{body}, "text\n", '... and a second request on it');
is($r && $r->{headers}{connection}, 'close', '... without it: closed');
ok($c->is_closed(2), '... the connection closes');
$c->close;

$c = $t->connect;
$c->send("GET /text HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
$r = $c->read_response;
is($r && $r->{headers}{connection}, 'close', 'HTTP/1.1 Connection: close');
ok($c->is_closed(2), '... closes');
$c->close;

$c = $t->connect;
$c->send("GET /two HTTP/1.1\r\nHost: localhost\r\n\r\n");
$r = $c->read_response;
is($r && $r->{headers}{connection}, 'keep-alive', 'keepalive_requests 2: first');
$c->send("GET /two HTTP/1.1\r\nHost: localhost\r\n\r\n");
$r = $c->read_response;
is($r && $r->{headers}{connection}, 'close', 'keepalive_requests 2: second closes');
ok($c->is_closed(2), '... and the connection is closed');
$c->close;

$c = $t->connect;
$c->send("GET /text HTTP/1.1\r\nHost: localhost\r\n\r\n");
$r = $c->read_response;
my $t0 = time();
ok($c->is_closed(5), 'keepalive_timeout 2s: an idle connection is closed');
my $idle = time() - $t0;
ok($idle > 1.5 && $idle < 4, "... after about 2s ($idle)");
$c->close;

# --- errors and error_page -----------------------------------------------------

$r = req("GET /nope HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
is($r->{status}, 404, 'error_page 404: the status stays 404');
is($r->{body}, "custom not found\n", '... with the page of the URI');

$r = req("HEAD /nope HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    method => 'HEAD');
is($r->{status}, 404, 'HEAD of an error');
is($r->{body} . $r->{rest}, '', '... has no body');

# --- timeouts -----------------------------------------------------------------

my $off = $t->log_offset;
$c = $t->connect;
$c->send("GET /text HTTP/1.1\r\nHost: loc");
$t0 = time();
ok($c->is_closed(4), 'client_header_timeout 1s: a stalled header is cut');
is($c->buffer, '', '... without a response (no 408)');
my $stall = time() - $t0;
ok($stall > 0.7 && $stall < 3, "... after about 1s ($stall)");
ok($t->wait_for_log(qr/\[info\].*client timed out .*while reading client request headers, client: 127\.0\.0\.1/,
    2, $off), '... logged at info with the client');
$c->close;

$c = $t->connect;
$t0 = time();
ok($c->is_closed(4), 'a connection that never sends is cut as well');
$c->close;

# a client that does not read a 4 MB file: send_timeout
$c = $t->connect;
$c->send("GET /big.bin HTTP/1.1\r\nHost: localhost\r\n\r\n");
sleep(3);
my $got = 0;
my $sock = $c->{sock};
while (1) {
    my $n = sysread($sock, my $buf, 1 << 20);
    last if !$n;
    $got += $n;
}
ok($got < 4 * 1024 * 1024, "send_timeout: a client that stops reading is cut ($got bytes)");
$c->close;

$c = $t->connect;
$c->send("GET /big.bin HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
my $all = $c->read_all(timeout => 10);
$r = parse_response($all);
is(length($r->{body}), 4 * 1024 * 1024, 'a 4 MB file read at full speed');
$c->close;

# --- logging of bad input -----------------------------------------------------

$off = $t->log_offset;
req("GET\x01 / HTTP/1.1\r\nHost: localhost\r\n\r\n");
ok($t->wait_for_log(qr/\[info\].*client sent invalid request line while reading client request line, client: 127\.0\.0\.1, server: localhost, request: "GET\\x01"/,
    2, $off), 'a bad request line is logged at info, escaped');

$t->check_error_log_clean;

done_testing;
