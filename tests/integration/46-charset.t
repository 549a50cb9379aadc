#!/usr/bin/perl
#
# 46-charset.t - "charset NAME|off" (default off): "; charset=NAME" is added
# to the Content-Type of the text types nginx's charset_types lists by
# default (text/html text/xml text/plain text/vnd.wap.wml
# application/javascript application/rss+xml) plus text/javascript, on
# static files, error pages, "return" and byte-range parts alike; other
# types, 304s and "charset off" get none.

use strict;
use warnings;

use Test::More;
use Hive::Test qw(parse_response);

my $t = Hive::Test->new;

$t->write_file("html/$_", "content of $_\n")
    for qw(a.html a.txt a.js a.jsx a.xml a.css a.json a.png a.rss noext);
$t->write_file('html/off/a.html', "off\n");
$t->write_file('html/koi/a.html', "koi\n");
$t->write_file('html/big.txt', join('', map { "line $_\n" } 1 .. 200));

$t->write_config($t->config_prelude . <<'EOF');
worker_processes 1;

events {
}

http {
    include       mime.types;
    default_type  application/octet-stream;
    charset       utf-8;

    server {
        listen       127.0.0.1:%%PORT_A%%;
        server_name  localhost;
        root         html;

        location /off/ {
            charset  off;
        }
        location /koi/ {
            charset  koi8-r;
        }
        location = /ret {
            return  200 "returned\n";
        }
        location = /plain {
            default_type  text/plain;
            return  200 "plain\n";
        }
    }

    server {
        listen       127.0.0.1:%%PORT_B%%;
        server_name  localhost;
        root         html;
        charset      off;

        location /koi/ {
            charset  koi8-r;
        }
    }
}
EOF

$t->run;

sub ctype {
    my ($path, %o) = @_;
    my $r = parse_response($t->http_get($path, %o));
    return ($r->{status} // 0) . ' ' . ($r->{headers}{'content-type'} // '-');
}

# [path, expected "status type", what it shows]
my @expect = (
    [ '/a.html', '200 text/html; charset=utf-8', 'html gets the charset' ],
    [ '/a.txt', '200 text/plain; charset=utf-8', 'text gets the charset' ],
    [ '/a.xml', '200 text/xml; charset=utf-8', 'xml gets the charset' ],
    [ '/a.js', '200 text/javascript; charset=utf-8', 'text/javascript too' ],
    [ '/a.jsx', '200 application/javascript; charset=utf-8',
        'application/javascript gets the charset' ],
    [ '/a.rss', '200 application/rss+xml; charset=utf-8', 'rss too' ],
    # other types do not
    [ '/a.css', '200 text/css', 'css is not in charset_types' ],
    [ '/a.json', '200 application/json', 'json is not in charset_types' ],
    [ '/a.png', '200 image/png', 'an image gets no charset' ],
    [ '/noext', '200 application/octet-stream', 'nor the default_type' ],
    # locations: off, and a name of their own
    [ '/off/a.html', '200 text/html', 'charset off in a location' ],
    [ '/koi/a.html', '200 text/html; charset=koi8-r', 'a location\'s own' ],
    # error pages and return
    [ '/missing.html', '404 text/html; charset=utf-8', 'an error page' ],
    [ '/off/missing.html', '404 text/html', 'an error page under off' ],
    [ '/ret', '200 application/octet-stream', 'return, non-text type' ],
    [ '/plain', '200 text/plain; charset=utf-8', 'return, text type' ],
);
is(ctype($_->[0]), $_->[1], $_->[2]) for @expect;

# the body is untouched
my $r = parse_response($t->http_get('/a.txt'));
is($r->{body}, "content of a.txt\n", 'the body is not changed');

# a 304 has no Content-Type at all
$r = parse_response($t->http_get('/a.html'));
my $lm = $r->{headers}{'last-modified'};
$r = parse_response($t->http_get('/a.html',
    headers => ["If-Modified-Since: $lm"]));
is($r->{status}, 304, '304 for an unchanged file');
ok(!defined $r->{headers}{'content-type'}, 'a 304 carries no Content-Type');

# multipart/byteranges: the charset in each part, not on the whole
$r = parse_response($t->http_get('/big.txt',
    headers => ['Range: bytes=0-4,10-14']));
is($r->{status}, 206, 'two ranges: 206');
like($r->{headers}{'content-type'}, qr{^multipart/byteranges; boundary=\S+$},
    'the multipart type itself has no charset');
my @parts = $r->{body} =~ /^Content-Type: ([^\r]*)\r$/mg;
is_deeply(\@parts, ['text/plain; charset=utf-8', 'text/plain; charset=utf-8'],
    'each part names the charset');

is(ctype('/big.txt', headers => ['Range: bytes=0-4']),
    '206 text/plain; charset=utf-8', 'a single range keeps the charset');

$r = parse_response($t->http_head('/a.html'), method => 'HEAD');
is($r->{headers}{'content-type'}, 'text/html; charset=utf-8',
    'HEAD gets the charset too');

# a server that turns it off, with a location that turns it back on
is(ctype('/a.html', port => 'B'), '200 text/html', 'charset off in a server');
is(ctype('/koi/a.html', port => 'B'), '200 text/html; charset=koi8-r',
    'a location under an off server sets its own');

$t->stop;

# no charset directive at all: the default is off
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
    }
}
EOF

$t->run;
is(ctype('/a.html'), '200 text/html', 'the default is charset off');
is(ctype('/missing.html'), '404 text/html',
    'the default error page has no charset');

$t->check_error_log_clean;

done_testing;
