#!/usr/bin/perl
#
# 35-bodies.t - request bodies from a raw socket: read before the handler
# answers, so that the next pipelined request parses (Content-Length and
# chunked with trailers), client_max_body_size (413 at once for a known
# length, as the chunks arrive otherwise), client_body_timeout,
# "Expect: 100-continue", and keepalive_time.

use strict;
use warnings;

use Test::More;
use Time::HiRes qw(time sleep);
use Hive::Test qw(parse_response parse_responses);

my $t = Hive::Test->new;

$t->write_config($t->config_prelude . <<'EOF');
worker_processes 1;

events {
    worker_connections 64;
}

http {
    access_log  logs/access.log;
    client_max_body_size  1k;
    client_body_timeout   1s;
    keepalive_timeout     10s;

    server {
        listen       127.0.0.1:%%PORT_A%%;
        server_name  localhost;

        location / {
            return 200 "ok $request_method\n";
        }

        location = /next {
            return 200 "next\n";
        }

        location = /unlimited {
            client_max_body_size 0;
            return 200 "unlimited\n";
        }

        location = /short {
            keepalive_time 1s;
            return 200 "short\n";
        }
    }
}
EOF

$t->run;

my $next = "GET /next HTTP/1.1\r\nHost: localhost\r\n\r\n";

sub post {
    my ($uri, $fields, $body) = @_;
    return "POST $uri HTTP/1.1\r\nHost: localhost\r\n$fields\r\n"
        . ($body // '');
}

# --- bodies, then a pipelined request ----------------------------------------

my $c = $t->connect;
$c->send(post('/', "Content-Length: 11\r\n", 'hello world') . $next);
my $r = $c->read_response;
is($r && $r->{body}, "ok POST\n", 'a Content-Length body: answered');
$r = $c->read_response;
is($r && $r->{body}, "next\n", '... then the pipelined request behind it');
$c->close;

$c = $t->connect;
$c->send(post('/', "Transfer-Encoding: chunked\r\n",
    "5\r\nhello\r\n6;x=y\r\n world\r\n0\r\nX-Sum: 1\r\nX-More: 2\r\n\r\n")
    . $next);
$r = $c->read_response;
is($r && $r->{status}, 200, 'a chunked body with trailers: answered');
$r = $c->read_response;
is($r && $r->{body}, "next\n", '... then the pipelined request behind it');
$c->close;

# the body in pieces: no answer until its last byte
$c = $t->connect;
$c->send(post('/', "Content-Length: 10\r\n", 'abcd'));
$r = $c->read_response(timeout => 0.5);
ok(!$r, 'half a body: no answer yet');
$c->send('efghij' . $next);
$r = $c->read_response;
is($r && $r->{status}, 200, '... the answer after the rest');
$r = $c->read_response;
is($r && $r->{body}, "next\n", '... and the next request');
$c->close;

# exactly the limit is allowed
$c = $t->connect;
$c->send(post('/', "Content-Length: 1024\r\n", 'b' x 1024) . $next);
my @rs = ($c->read_response, $c->read_response);
is($rs[0] && $rs[0]{status}, 200, 'a body of exactly client_max_body_size');
is($rs[1] && $rs[1]{body}, "next\n", '... then the next request');
$c->close;

# --- client_max_body_size ------------------------------------------------------

$c = $t->connect;
my $t0 = time;
$c->send(post('/', "Content-Length: 1025\r\n"));
$r = $c->read_response(timeout => 3);
is($r && $r->{status}, 413, 'Content-Length over the limit: 413 at once');
ok(time - $t0 < 2, '... without waiting for the body');
is($r && $r->{headers}{connection}, 'close', '... Connection: close');
ok($c->is_closed(3), '... and the connection closes');
$c->close;

$c = $t->connect;
$c->send(post('/', "Content-Length: 5000\r\n", 'q' x 5000) . $next);
$r = $c->read_response(timeout => 3);
is($r && $r->{status}, 413, 'the body sent anyway: 413');
ok($c->is_closed(3), '... the connection closes');
unlike($c->buffer, qr/next/, '... and nothing in the body is answered');
$c->close;

$c = $t->connect;
$c->send(post('/', "Transfer-Encoding: chunked\r\n",
    "200\r\n" . ('a' x 512) . "\r\n" . "201\r\n" . ('b' x 513) . "\r\n"));
$r = $c->read_response(timeout => 3);
is($r && $r->{status}, 413, 'chunks adding up past the limit: 413');
ok($c->is_closed(3), '... the connection closes');
$c->close;

$c = $t->connect;
$c->send(post('/', "Transfer-Encoding: chunked\r\n", "100000\r\nabc"));
$r = $c->read_response(timeout => 3);
is($r && $r->{status}, 413, 'one chunk announced past the limit: 413 at once');
$c->close;

$c = $t->connect;
$c->send(post('/unlimited', "Content-Length: 2000000\r\n", 'u' x 2000000)
    . $next);
@rs = ($c->read_response(timeout => 10), $c->read_response);
is($rs[0] && $rs[0]{body}, "unlimited\n", 'client_max_body_size 0: 2 MB');
is($rs[1] && $rs[1]{body}, "next\n", '... then the next request');
$c->close;

# --- client_body_timeout ---------------------------------------------------------

$c = $t->connect;
$t0 = time;
$c->send(post('/', "Content-Length: 100\r\n", 'slow'));
ok($c->is_closed(5), 'a body that stops: the connection closes');
my $took = time - $t0;
ok($took > 0.8 && $took < 4, "... after client_body_timeout ($took s)");
is($c->buffer, '', '... with no response');
$c->close;

$c = $t->connect;
$t0 = time;
$c->send(post('/', "Content-Length: 12\r\n", 'ab'));
for (1 .. 4) {
    sleep(0.4);
    $c->send('ab');
}
$c->send('ab' . $next);
$r = $c->read_response;
is($r && $r->{status}, 200, 'a slow body with gaps under the timeout: 200');
ok(time - $t0 > 1.5, '... longer than client_body_timeout in all');
$c->close;

# --- Expect: 100-continue --------------------------------------------------------

$c = $t->connect;
$c->send(post('/', "Content-Length: 5\r\nExpect: 100-continue\r\n"));
$r = $c->read_response(timeout => 3);
is($r && $r->{status}, 100, 'Expect: 100-continue: 100 Continue first');
is($r && $r->{raw}, "HTTP/1.1 100 Continue\r\n\r\n", '... exactly the line');
$c->send('hello' . $next);
$r = $c->read_response;
is($r && $r->{status}, 200, '... then the final answer after the body');
$r = $c->read_response;
is($r && $r->{body}, "next\n", '... and the next request');
$c->close;

$c = $t->connect;
$c->send(post('/', "Content-Length: 5000\r\nExpect: 100-continue\r\n"));
$r = $c->read_response(timeout => 3);
is($r && $r->{status}, 413, 'Expect with a body too large: 413, no 100');
$c->close;

$c = $t->connect;
$c->send("POST / HTTP/1.0\r\nHost: localhost\r\nContent-Length: 2\r\n"
    . "Expect: 100-continue\r\n\r\n");
$r = $c->read_response(timeout => 0.5);
ok(!$r, 'Expect from an HTTP/1.0 client: no 100');
$c->send('hi');
$r = $c->read_response;
is($r && $r->{status}, 200, '... the answer after the body');
$c->close;

$c = $t->connect;
$c->send(post('/', "Content-Length: 2\r\nExpect: 100-continue\r\n", 'hi'));
$r = $c->read_response;
is($r && $r->{status}, 200, 'Expect with the body already sent: no 100');
$c->close;

# --- keepalive_time ------------------------------------------------------------------

$c = $t->connect;
$c->send("GET /short HTTP/1.1\r\nHost: localhost\r\n\r\n");
$r = $c->read_response;
isnt($r && $r->{headers}{connection}, 'close',
    'keepalive_time: kept alive while young');
sleep(1.2);
$c->send("GET /short HTTP/1.1\r\nHost: localhost\r\n\r\n");
$r = $c->read_response;
is($r && $r->{headers}{connection}, 'close',
    '... past keepalive_time: Connection: close');
ok($c->is_closed(3), '... and the connection closes');
$c->close;

# --- what the access log says ----------------------------------------------------------

$t->stop;
my $log = $t->read_file('logs/access.log') // '';
like($log, qr/"POST \/ HTTP\/1\.1" 413 /, 'access log: the 413');
like($log, qr/"POST \/ HTTP\/1\.1" 408 /, 'access log: the timeout as 408');
like($t->read_file('logs/error.log') // '',
    qr/client intended to send too large chunked body: \d+\+ bytes/,
    'error log: the chunked body too large');

$t->check_error_log_clean;

done_testing;
