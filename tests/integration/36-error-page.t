#!/usr/bin/perl
#
# 36-error-page.t - "error_page CODE... [=[CODE]] URI": the internal
# redirect keeps the original status, "=CODE" replaces it, "=" alone
# takes the target's; several codes per directive, inheritance from the
# server, URLs (302, or =301), arguments in the URI, a POST served as GET,
# one redirect per request (no loops), and the 405 with Allow of the
# handlers that accept only GET and HEAD.

use strict;
use warnings;

use Test::More;
use Hive::Test qw(parse_response);

my $t = Hive::Test->new;

$t->write_file('html/index.html', "index\n");
$t->write_file('html/file.txt', "file\n");
$t->write_file('html/404.html', "server 404 page\n");
$t->write_file('html/multi.html', "multi page\n");
$t->write_file('html/maint.html', "maintenance\n");
$t->write_file('html/413.html', "too large page\n");
$t->write_file('html/dir/keep', "");

$t->write_config($t->config_prelude . <<'EOF');
worker_processes 1;

events {
    worker_connections 64;
}

http {
    access_log  logs/access.log;

    server {
        listen       127.0.0.1:%%PORT_A%%;
        server_name  localhost;
        root         html;
        error_page   404 /404.html;

        location / {
        }

        location /over/ {
            error_page 404 =200 /404.html;
        }

        location /eq/ {
            error_page 404 = /answer;
        }

        location = /answer {
            return 301 /moved;
        }

        location /dir/ {
            error_page 403 404 /multi.html;
        }

        location = /maint {
            error_page 502 503 /maint.html;
            return 503;
        }

        location /url/ {
            error_page 404 http://example.com/missing;
        }

        location /url301/ {
            error_page 404 =301 http://example.com/moved;
        }

        location /loop/ {
            error_page 404 /loop/missing.html;
        }

        location /args/ {
            error_page 404 /echo?from=err;
        }

        location = /echo {
            return 200 "uri=$uri args=$args method=$request_method\n";
        }

        location = /file.txt {
            error_page 405 =200 /file.txt;
        }

        location = /big {
            client_max_body_size 10;
            error_page 413 /413.html;
            return 200 "big\n";
        }

        location = /pid {
            echo_pid;
        }
    }
}
EOF

$t->run;

sub get {
    my ($uri, %o) = @_;
    my $m = $o{method} // 'GET';
    return parse_response($t->http("$m $uri HTTP/1.1\r\nHost: localhost\r\n"
        . "Connection: close\r\n" . ($o{fields} // '') . "\r\n"
        . ($o{body} // '')), method => $m);
}

my $r = get('/nothing');
is($r->{status}, 404, 'error_page at the server level: the status stays 404');
is($r->{body}, "server 404 page\n", '... with the page');
is($r->{headers}{'content-type'}, 'text/html', '... and its type');

$r = get('/nothing', method => 'HEAD');
is($r->{status}, 404, 'HEAD: 404');
is($r->{body}, '', '... without the page');

$r = get('/over/x');
is($r->{status}, 200, '=200: the status is replaced');
is($r->{body}, "server 404 page\n", '... the page');

$r = get('/eq/x');
is($r->{status}, 301, '"=" alone: the target\'s status (its 301)');
like($r->{headers}{location} // '', qr{/moved$}, '... and its Location');

$r = get('/dir/');
is($r->{status}, 403, 'two codes in one directive: the 403 of a directory');
is($r->{body}, "multi page\n", '... gets the page');
$r = get('/dir/none');
is($r->{status}, 404, '... and the 404');
is($r->{body}, "multi page\n", '... the same page');

$r = get('/maint');
is($r->{status}, 503, '"return 503" with an error_page: 503');
is($r->{body}, "maintenance\n", '... with the page');

$r = get('/url/x');
is($r->{status}, 302, 'a URL: 302');
is($r->{headers}{location}, 'http://example.com/missing', '... to it');

$r = get('/url301/x');
is($r->{status}, 301, 'a URL with =301: 301');
is($r->{headers}{location}, 'http://example.com/moved', '... to it');

$r = get('/loop/x');
is($r->{status}, 404, 'a page that is missing too: 404');
like($r->{body}, qr{<title>404 Not Found</title>},
    '... the built-in page, no second redirect');

$r = get('/args/x?a=1');
is($r->{status}, 404, 'arguments in the URI: the status stays');
is($r->{body}, "uri=/echo args=from=err method=GET\n",
    '... the target sees its URI and arguments');

$r = get('/file.txt', method => 'POST', fields => "Content-Length: 3\r\n",
    body => 'abc');
is($r->{status}, 200, 'a POST refused with 405, error_page =200: 200');
is($r->{body}, "file\n", '... the page is served as for a GET');

$r = get('/big', method => 'POST', fields => "Content-Length: 100\r\n");
is($r->{status}, 413, 'error_page 413: the status stays 413');
is($r->{body}, "too large page\n", '... with the page');

$r = get('/pid', method => 'POST', fields => "Content-Length: 0\r\n");
is($r->{status}, 405, 'POST to echo_pid: 405');
is($r->{headers}{allow}, 'GET, HEAD', '... with Allow');

$r = get('/index.html', method => 'DELETE');
is($r->{status}, 405, 'DELETE to a static file: 405');
is($r->{headers}{allow}, 'GET, HEAD', '... with Allow');

$r = get('/maint', method => 'PUT', fields => "Content-Length: 0\r\n");
is($r->{status}, 503, '"return" answers any method (nginx does)');

# the status the client got is the one logged
$t->stop;
my $log = $t->read_file('logs/access.log') // '';
like($log, qr{"GET /over/x HTTP/1\.1" 200 }, 'access log: =200 logged as 200');
like($log, qr{"GET /nothing HTTP/1\.1" 404 }, 'access log: the 404');

$t->check_error_log_clean;

done_testing;
