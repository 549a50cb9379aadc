#!/usr/bin/perl
#
# 30-http-basic.t - the HTTP core seen from a client (SPEC 7, 8): a file
# and its index, HEAD, echo_pid, keep-alive and pipelining, HTTP/1.0,
# requests the server must refuse, 404/405, "return", server_tokens and
# the access log.

use strict;
use warnings;

use Test::More;
use Time::HiRes qw(time sleep);
use Hive::Test qw(parse_response parse_responses);

my $t = Hive::Test->new;

my $index = "<!DOCTYPE html>\n<title>hive test</title>\n<p>index \x{e9}t\x{e9}</p>\n";
utf8::encode($index);
$t->write_file('html/index.html', $index);
$t->write_file('html/plain.txt', "plain text\n");
$t->write_file('html/404.html', "custom not found\n");

$t->write_config($t->config_prelude . <<'EOF');
worker_processes 2;

events {
    worker_connections 128;
}

http {
    include       mime.types;
    default_type  application/octet-stream;
    access_log    logs/access.log;

    server {
        listen       127.0.0.1:%%PORT_A%%;
        server_name  localhost;

        location / {
            root   html;
            index  index.html;
        }

        location = /pid {
            echo_pid;
        }

        location = /text {
            return 200 "hello from return\n";
        }

        location = /moved {
            return 301 http://example.com/new;
        }

        location = /url {
            return https://example.org/x;
        }

        location = /rel {
            return 302 /target;
        }

        location = /gone {
            return 410;
        }

        location = /close {
            return 444;
        }

        location = /hdr {
            add_header  X-Hive-Test  yes;
            add_header  X-Always     on  always;
            return 200 "h\n";
        }

        location = /hdr404 {
            add_header  X-Hive-Test  yes;
            add_header  X-Always     on  always;
            return 404;
        }

        location = /nolog {
            access_log  off;
            return 200 "nolog\n";
        }

        location /ep/ {
            error_page  404  /404.html;
        }

        location /epeq/ {
            error_page  404  =200  /404.html;
        }

        location = /ka0 {
            keepalive_timeout  0;
            return 200 "ka0\n";
        }
    }

    server {
        listen         127.0.0.1:%%PORT_B%%;
        server_tokens  off;

        location / {
            return 200 "b\n";
        }
    }
}
EOF

$t->run;
my $port = $t->port('A');

# --- a file and its index -----------------------------------------------------

my $r = parse_response($t->http_get('/'));
is($r->{status}, 200, 'GET / answers 200');
is($r->{body}, $index, 'GET / serves index.html byte for byte');
is($r->{headers}{'content-type'}, 'text/html', 'index.html is text/html');
is($r->{headers}{'content-length'}, length $index,
    'Content-Length is the file size');
like($r->{headers}{server} // '', qr{^hive/\d+\.\d+\.\d+$},
    'Server names hive and its version');
like($r->{headers}{date} // '',
    qr/^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT$/, 'Date is an HTTP date');
like($r->{headers}{'last-modified'} // '', qr/ GMT$/,
    'a file has Last-Modified');

$r = parse_response($t->http_get('/plain.txt'));
is($r->{status}, 200, 'GET /plain.txt answers 200');
is($r->{body}, "plain text\n", 'the file body');
is($r->{headers}{'content-type'}, 'text/plain', 'a .txt file is text/plain');

$r = parse_response($t->http_head('/'), method => 'HEAD');
is($r->{status}, 200, 'HEAD / answers 200');
is($r->{body}, '', 'HEAD gets no body');
is($r->{rest}, '', 'nothing follows the HEAD header');
is($r->{headers}{'content-length'}, length $index,
    'HEAD carries the length of the GET body');

# --- echo_pid -----------------------------------------------------------------

my @workers = $t->wait_workers(2);
$r = parse_response($t->http_get('/pid'));
is($r->{status}, 200, '/pid answers 200');
is($r->{headers}{'content-type'}, 'text/plain', '/pid is text/plain');
like($r->{body}, qr/^Request handled by worker-(\d+)\n$/,
    '/pid body is "Request handled by worker-PID\n"');
my ($pid) = ($r->{body} =~ /worker-(\d+)/);
ok(defined $pid && grep({ $_ == $pid } @workers),
    'the PID is a worker of the master');
isnt($pid // 0, $t->master_pid, 'the PID is not the master');

$r = parse_response($t->http_head('/pid'), method => 'HEAD');
is($r->{status}, 200, 'HEAD /pid answers 200');
is($r->{body} . $r->{rest}, '', 'HEAD /pid has no body');

$r = parse_response($t->http("POST /pid HTTP/1.0\r\nHost: localhost\r\n"
    . "Content-Length: 0\r\n\r\n"));
is($r->{status}, 405, 'POST /pid answers 405');
is($r->{headers}{allow}, 'GET, HEAD', '405 from echo_pid carries Allow');

# --- keep-alive and pipelining ------------------------------------------------

my $c = $t->connect;
$c->send("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
my $r1 = $c->read_response;
$c->send("GET /pid HTTP/1.1\r\nHost: localhost\r\n\r\n");
my $r2 = $c->read_response;
is($r1 && $r1->{status}, 200, 'keep-alive: first response');
is($r1 && $r1->{body}, $index, 'keep-alive: first body complete');
is($r2 && $r2->{status}, 200, 'keep-alive: second response, same connection');
like($r2 && $r2->{body}, qr/^Request handled by worker-\d+\n$/,
    'keep-alive: second body');
ok(!$c->is_closed(0.3), 'an HTTP/1.1 connection stays open');
$c->close;

$c = $t->connect;
$c->send("GET /text HTTP/1.1\r\nHost: localhost\r\n\r\n"
    . "HEAD / HTTP/1.1\r\nHost: localhost\r\n\r\n"
    . "GET /plain.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
my @rs = parse_responses($c->read_all,
    methods => [qw(GET HEAD GET)]);
is(scalar @rs, 3, 'pipelining: three requests in one write, three answers');
is($rs[0] && $rs[0]{body}, "hello from return\n", 'pipelining: first in order');
is($rs[1] && $rs[1]{headers}{'content-length'}, length $index,
    'pipelining: the HEAD answer second');
is($rs[2] && $rs[2]{body}, "plain text\n", 'pipelining: third in order');
$c->close;

# --- HTTP/1.0 -----------------------------------------------------------------

$c = $t->connect;
$c->send("GET /plain.txt HTTP/1.0\r\nHost: localhost\r\n\r\n");
$r = $c->read_response;
is($r && $r->{status}, 200, 'HTTP/1.0 request answered');
ok($c->is_closed(2), 'an HTTP/1.0 connection is closed after the response');
$c->close;

# --- requests the server refuses ----------------------------------------------

$r = parse_response($t->http("GET / HTTP/1.1\r\nConnection: close\r\n\r\n"));
is($r->{status}, 400, 'HTTP/1.1 without Host: 400');

$r = parse_response($t->http("GET\x01 / HTTP/1.1\r\nHost: x\r\n\r\n"));
is($r->{status}, 400, 'malformed request line: 400');

$r = parse_response($t->http("GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n"));
is($r->{status}, 400, 'junk after the version: 400');

$r = parse_response($t->http("POST /plain.txt HTTP/1.1\r\nHost: localhost\r\n"
    . "Content-Length: 5\r\nConnection: close\r\n\r\nhello"));
is($r->{status}, 405, 'POST to a static file: 405');
is($r->{headers}{allow}, 'GET, HEAD', '405 carries Allow: GET, HEAD');

my $off = $t->log_offset;
$r = parse_response($t->http_get('/no/such/file.html'));
is($r->{status}, 404, 'a missing file: 404');
like($r->{body}, qr/404 Not Found/, '404 page names the status');
ok($t->wait_for_log(
    qr{\[error\].*open\(\) ".*/html/no/such/file\.html" failed \(2: No such file or directory\)},
    2, $off), '404 is logged with the path and errno, like nginx');

# --- return -------------------------------------------------------------------

$r = parse_response($t->http_get('/text'));
is($r->{status}, 200, 'return 200 TEXT: status');
is($r->{body}, "hello from return\n", 'return 200 TEXT: body');
is($r->{headers}{'content-length'}, 18, 'return 200 TEXT: length');

$r = parse_response($t->http_get('/moved'));
is($r->{status}, 301, 'return 301 URL: status');
is($r->{headers}{location}, 'http://example.com/new', 'return 301: Location');

$r = parse_response($t->http_get('/url'));
is($r->{status}, 302, 'return URL: 302');
is($r->{headers}{location}, 'https://example.org/x', 'return URL: Location');

$r = parse_response($t->http_get('/rel'));
is($r->{status}, 302, 'return 302 /path: status');
is($r->{headers}{location}, "http://localhost:$port/target",
    'return 302 /path: an absolute Location from Host and the port');

$r = parse_response($t->http_get('/gone'));
is($r->{status}, 410, 'return 410: status');
like($r->{body}, qr/410 Gone/, 'return 410: the standard page');

is($t->http_get('/close'), '', 'return 444 closes without a response');

# --- add_header, keepalive_timeout 0 -----------------------------------------

$r = parse_response($t->http_get('/hdr'));
is($r->{headers}{'x-hive-test'}, 'yes', 'add_header on a 200');
is($r->{headers}{'x-always'}, 'on', 'add_header always on a 200');

$r = parse_response($t->http_get('/hdr404'));
is($r->{status}, 404, 'return 404 with add_header');
ok(!exists $r->{headers}{'x-hive-test'}, 'add_header skips a 404');
is($r->{headers}{'x-always'}, 'on', 'add_header always applies to a 404');

$c = $t->connect;
$c->send("GET /ka0 HTTP/1.1\r\nHost: localhost\r\n\r\n");
$r = $c->read_response;
is($r && $r->{body}, "ka0\n", 'keepalive_timeout 0: answered');
like($r && $r->{headers}{connection} // '', qr/close/i,
    'keepalive_timeout 0: Connection: close');
ok($c->is_closed(2), 'keepalive_timeout 0: the connection is closed');
$c->close;

# --- error_page ---------------------------------------------------------------

$r = parse_response($t->http_get('/ep/missing'));
is($r->{status}, 404, 'error_page 404 URI: the status stays 404');
is($r->{body}, "custom not found\n", 'error_page 404 URI: the page is served');

$r = parse_response($t->http_get('/epeq/missing'));
is($r->{status}, 200, 'error_page 404 =200 URI: the status becomes 200');
is($r->{body}, "custom not found\n", 'error_page =200: the page');

# --- server_tokens ------------------------------------------------------------

$r = parse_response($t->http_get('/', port => 'B'));
is($r->{status}, 200, 'second server answers');
is($r->{headers}{server}, 'hive', 'server_tokens off: Server without version');

# --- the access log -----------------------------------------------------------

$r = parse_response($t->http_get('/nolog'));
is($r->{body}, "nolog\n", 'access_log off: answered');

my $ua = 'hive-test/1.0 "quoted"';
$r = parse_response($t->http_get('/plain.txt?a=1',
    headers => ["User-Agent: $ua", 'Referer: http://ref.example/']));
is($r->{status}, 200, 'request for the access log');

my $line;
my $deadline = time() + 3;
while (time() < $deadline) {
    ($line) = grep { m{/plain\.txt\?a=1} }
        split /\n/, $t->read_file('logs/access.log') // '';
    last if $line;
    sleep(0.05);
}
like($line // '',
    qr{^127\.0\.0\.1 - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "GET /plain\.txt\?a=1 HTTP/1\.0" 200 11 "http://ref\.example/" "hive-test/1\.0 \\x22quoted\\x22"$},
    'access log line in combined format, quotes escaped');
unlike($t->read_file('logs/access.log') // '', qr{/nolog},
    'access_log off: no line for that location');

$t->check_error_log_clean;

done_testing;
