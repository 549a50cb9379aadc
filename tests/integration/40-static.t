#!/usr/bin/perl
#
# 40-static.t - the static and index modules (SPEC 7): MIME types, the
# directory redirect, index files, 403/404, never a byte from outside the
# root whatever the encoding of the path, and a 10 MB file byte for byte.

use strict;
use warnings;

use Test::More;
use Digest::SHA qw(sha256_hex);
use Hive::Test qw(parse_response);

my $t = Hive::Test->new;
my $dir = $t->testdir;

my $secret = "TOP SECRET 5f1d8c\n";
$t->write_file('secret.txt', $secret);
$t->write_file('data/secret.txt', $secret);
$t->write_file('data/img/pic.gif', "GIF89a\n");

$t->write_file("html/$_->[0]", "$_->[0]\n") for
    ['a.html'], ['b.css'], ['c.png'], ['d.unknownext'], ['e.JPG'],
    ['noext'], ['plain/readme.md'], ['plain/page.html'];
$t->write_file('html/dir/index.html', "dir index\n");
$t->write_file('html/noindex/file.txt', "x\n");
$t->write_file('html/multi/second.html', "second\n");
$t->write_file('html/quiet/.keep', '');
$t->write_file('html/empty.txt', '');

# 10 MB of bytes that do not repeat on any short period
my $big = '';
my $x = 12345;
for (1 .. 10 * 1024 * 1024 / 4) {
    $x = ($x * 1103515245 + 12345) & 0x7fffffff;
    $big .= pack('N', $x);
}
$t->write_file('html/big.bin', $big);

symlink("$dir/data/img/pic.gif", "$dir/html/link.gif")
    or die "symlink: $!";

$t->write_config($t->config_prelude . <<'EOF');
events {
}

http {
    include       mime.types;
    default_type  application/octet-stream;
    sendfile      on;

    server {
        listen       127.0.0.1:%%PORT_A%%;
        server_name  localhost;
        root         html;

        location / {
        }

        location /plain/ {
            types {
                text/markdown  md;
            }
            default_type  text/x-default;
        }

        location /multi/ {
            index  missing.html second.html;
        }

        location /quiet/ {
            log_not_found  off;
        }

        location /i {
            alias  %%TESTDIR%%/data/img/;
        }
    }
}
EOF

$t->run;
my $port = $t->port('A');

# --- MIME types ---------------------------------------------------------------

my %types = (
    '/a.html' => 'text/html',
    '/b.css' => 'text/css',
    '/c.png' => 'image/png',
    '/d.unknownext' => 'application/octet-stream',
    '/e.JPG' => 'image/jpeg',
    '/noext' => 'application/octet-stream',
    '/plain/readme.md' => 'text/markdown',
    '/plain/page.html' => 'text/x-default',
);

for my $path (sort keys %types) {
    my $r = parse_response($t->http_get($path));
    is($r->{status}, 200, "GET $path: 200");
    is($r->{headers}{'content-type'}, $types{$path},
        "GET $path: Content-Type $types{$path}");
}

my $r = parse_response($t->http_get('/empty.txt'));
is($r->{status}, 200, 'an empty file: 200');
is($r->{headers}{'content-length'}, 0, 'an empty file: Content-Length 0');
is($r->{body}, '', 'an empty file: no body');

$r = parse_response($t->http_get('/a.html'));
like($r->{headers}{etag} // '', qr/^"[0-9a-f]+-[0-9a-f]+"$/,
    'a file has an ETag');

# --- directories and index ----------------------------------------------------

$r = parse_response($t->http_get('/dir'));
is($r->{status}, 301, 'a directory without its slash: 301');
is($r->{headers}{location}, "http://localhost:$port/dir/",
    '301 Location is the slash form');

$r = parse_response($t->http_get('/dir?x=1&y=2'));
is($r->{headers}{location}, "http://localhost:$port/dir/?x=1&y=2",
    '301 Location keeps the query');

$r = parse_response($t->http_get('/dir/'));
is($r->{status}, 200, 'a directory with its slash: its index');
is($r->{body}, "dir index\n", 'the index file body');
is($r->{headers}{'content-type'}, 'text/html', 'the index file type');

$r = parse_response($t->http_get('/multi/'));
is($r->{status}, 200, 'index with several names: the first that exists');
is($r->{body}, "second\n", 'index: second name served');

my $off = $t->log_offset;
$r = parse_response($t->http_get('/noindex/'));
is($r->{status}, 403, 'a directory without index: 403');
ok($t->wait_for_log(qr{directory index of ".*/html/noindex/" is forbidden},
    2, $off), '403 logged as nginx does');

$r = parse_response($t->http_get('/nodir/'));
is($r->{status}, 404, 'a directory that does not exist: 404');

$off = $t->log_offset;
$r = parse_response($t->http_get('/quiet/missing.txt'));
is($r->{status}, 404, 'log_not_found off: still 404');
$r = parse_response($t->http_get('/a.html'));
unlike(substr($t->error_log, $off), qr{quiet/missing},
    'log_not_found off: nothing logged');

$r = parse_response($t->http("PUT /a.html HTTP/1.0\r\nContent-Length: 0\r\n\r\n"));
is($r->{status}, 405, 'PUT to a file: 405');
is($r->{headers}{allow}, 'GET, HEAD', 'Allow: GET, HEAD');

# --- alias and symbolic links -------------------------------------------------

$r = parse_response($t->http_get('/i/pic.gif'));
is($r->{status}, 200, 'alias: a file under the alias');
is($r->{body}, "GIF89a\n", 'alias: its body');
is($r->{headers}{'content-type'}, 'image/gif', 'alias: its type');

$r = parse_response($t->http_get('/link.gif'));
is($r->{status}, 200, 'a symbolic link is followed (nginx default)');

# --- never outside the root ---------------------------------------------------

my @attacks = (
    '/../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2E%2E/secret.txt',
    '/.%2e/secret.txt',
    '/..%2fsecret.txt',
    '/..%2Fsecret.txt',
    '/%2e%2e%2fsecret.txt',
    '/a/../../secret.txt',
    '/dir/../../secret.txt',
    '/dir/%2e%2e/%2e%2e/secret.txt',
    '//../secret.txt',
    '/./../secret.txt',
    '/..\\secret.txt',
    '/secret.txt%00.html',
    '/%00/../secret.txt',
    '/%2e%2e%5csecret.txt',
    '/i../secret.txt',
    '/i/../secret.txt',
    '/i/..%2fsecret.txt',
    '/i%2f..%2fsecret.txt',
);

for my $path (@attacks) {
    my $raw = $t->http("GET $path HTTP/1.0\r\nHost: localhost\r\n\r\n");
    my $res = parse_response($raw);
    ok(defined $res->{status} && $res->{status} =~ /^(400|403|404)$/,
        "$path: refused (" . ($res->{status} // 'none') . ')');
    unlike($raw // '', qr/TOP SECRET/, "$path: the secret never shows");
}

# --- a large file -------------------------------------------------------------

$r = parse_response($t->http_get('/big.bin', timeout => 30));
is($r->{status}, 200, '10 MB file: 200');
is($r->{headers}{'content-length'}, length $big, '10 MB file: Content-Length');
is(length $r->{body}, length $big, '10 MB file: every byte arrived');
is(sha256_hex($r->{body}), sha256_hex($big), '10 MB file: byte for byte');

$r = parse_response($t->http_head('/big.bin'), method => 'HEAD');
is($r->{headers}{'content-length'}, length $big, 'HEAD of 10 MB: the length');
is($r->{body} . $r->{rest}, '', 'HEAD of 10 MB: no body');

# the same over one keep-alive connection, twice
my $c = $t->connect;
$c->send("GET /big.bin HTTP/1.1\r\nHost: localhost\r\n\r\n");
my $r1 = $c->read_response(timeout => 30);
$c->send("GET /a.html HTTP/1.1\r\nHost: localhost\r\n\r\n");
my $r2 = $c->read_response;
is($r1 && sha256_hex($r1->{body}), sha256_hex($big),
    'keep-alive: 10 MB body intact');
is($r2 && $r2->{body}, "a.html\n", 'keep-alive: next response after it');
$c->close;

$t->check_error_log_clean;

done_testing;
