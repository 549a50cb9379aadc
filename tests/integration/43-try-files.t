#!/usr/bin/perl
#
# 43-try-files.t - "try_files": the first file that exists is served
# ($uri, $uri.html, $uri/ for a directory), else the last argument as an
# internal redirect (with its query) or =CODE; never a file outside root.

use strict;
use warnings;

use Test::More;
use Hive::Test qw(parse_response);

my $t = Hive::Test->new;

$t->write_file('secret.txt', "TOP SECRET try\n");
$t->write_file('html/page.html', "page html\n");
$t->write_file('html/plain.txt', "plain\n");
$t->write_file('html/dir/index.html', "dir index\n");
$t->write_file('html/fallback.txt', "fallback\n");
$t->write_file('html/d2/sub/f', "f\n");
$t->write_file('html/code/exists.txt', "exists\n");

$t->write_config($t->config_prelude . <<'EOF');
events {
}

http {
    include  mime.types;

    server {
        listen       127.0.0.1:%%PORT_A%%;
        server_name  localhost;
        root         html;

        location / {
            try_files  $uri $uri.html $uri/ /fallback.txt;
        }

        location /code/ {
            try_files  $uri =418;
        }

        location /q/ {
            try_files  $uri /d2/sub?from=$uri&$args;
        }

        location /d2/ {
        }
    }
}
EOF

$t->run;

sub get { parse_response($t->http_get($_[0])) }

my $r = get('/plain.txt');
is($r->{status}, 200, '$uri: the file itself');
is($r->{body}, "plain\n", '$uri: its body');

$r = get('/page');
is($r->{status}, 200, '$uri.html: found');
is($r->{body}, "page html\n", '$uri.html: its body');
is($r->{headers}{'content-type'}, 'text/html',
    '$uri.html: the type of the file found');

$r = get('/dir');
is($r->{status}, 200, '$uri/: a directory, then its index');
is($r->{body}, "dir index\n", '$uri/: the index body');

$r = get('/missing');
is($r->{status}, 200, 'nothing found: the fallback URI');
is($r->{body}, "fallback\n", 'the fallback body');

$r = get('/code/exists.txt');
is($r->{body}, "exists\n", '=CODE location: an existing file');
$r = get('/code/none.txt');
is($r->{status}, 418, '=CODE when nothing exists');

# the directory redirect shows the query the fallback was given
my $port = $t->port('A');
$r = get('/q/none?a=1');
is($r->{status}, 301, 'fallback with a query: reached');
is($r->{headers}{location}, "http://localhost:$port/d2/sub/?from=/q/none&a=1",
    'the fallback query with $uri and $args expanded');

for my $path ('/../secret.txt', '/%2e%2e/secret', '/..%2fsecret.txt') {
    my $raw = $t->http("GET $path HTTP/1.0\r\nHost: localhost\r\n\r\n");
    unlike($raw // '', qr/TOP SECRET/, "$path: the secret never shows");
}

$t->check_error_log_clean;

done_testing;
