#!/usr/bin/perl
#
# 41-conditional.t - the static module's validators and conditional
# requests (RFC 9110 13.2.2 order): ETag and Last-Modified, If-Match,
# If-Unmodified-Since, If-None-Match, If-Modified-Since, 304 and 412,
# "etag off" and "if_modified_since off|exact|before".

use strict;
use warnings;

use Test::More;
use POSIX qw(strftime);
use Hive::Test qw(parse_response);

my $t = Hive::Test->new;

$t->write_file('html/f.txt', "conditional body\n");
$t->write_file('html/noetag/f.txt', "no etag\n");
$t->write_file('html/imsoff/f.txt', "ims off\n");
$t->write_file('html/before/f.txt', "ims before\n");
my $mtime = 1_600_000_000;
utime($mtime, $mtime, map { $t->testdir . "/html/$_" }
    qw(f.txt noetag/f.txt imsoff/f.txt before/f.txt)) or die "utime: $!";

$t->write_config($t->config_prelude . <<'EOF');
events {
}

http {
    server {
        listen       127.0.0.1:%%PORT_A%%;
        server_name  localhost;
        root         html;

        location /noetag/ {
            etag  off;
        }
        location /imsoff/ {
            if_modified_since  off;
        }
        location /before/ {
            if_modified_since  before;
        }
    }
}
EOF

$t->run;

sub date { strftime('%a, %d %b %Y %H:%M:%S GMT', gmtime($_[0])) }

sub get {
    my ($path, @h) = @_;
    return parse_response($t->http_get($path, headers => \@h));
}

my $r = get('/f.txt');
my $etag = sprintf('"%x-%x"', $mtime, 17);
is($r->{status}, 200, 'plain GET: 200');
is($r->{headers}{etag}, $etag, 'ETag is "hex mtime-hex size"');
is($r->{headers}{'last-modified'}, date($mtime), 'Last-Modified');

my @matrix = (
    # [headers], status, name
    [["If-None-Match: $etag"], 304, 'If-None-Match matching'],
    [["If-None-Match: W/$etag"], 304, 'If-None-Match weak matching'],
    [['If-None-Match: "x", ' . $etag], 304, 'If-None-Match in a list'],
    [['If-None-Match: *'], 304, 'If-None-Match *'],
    [['If-None-Match: "other"'], 200, 'If-None-Match other'],
    [['If-Modified-Since: ' . date($mtime)], 304, 'If-Modified-Since exact'],
    [['If-Modified-Since: ' . date($mtime + 10)], 200,
        'If-Modified-Since later (exact: 200)'],
    [['If-Modified-Since: ' . date($mtime - 10)], 200,
        'If-Modified-Since earlier'],
    [['If-Modified-Since: garbage'], 200, 'If-Modified-Since invalid'],
    [['If-None-Match: "other"', 'If-Modified-Since: ' . date($mtime)], 200,
        'If-None-Match wins over If-Modified-Since'],
    [["If-Match: $etag"], 200, 'If-Match matching'],
    [['If-Match: *'], 200, 'If-Match *'],
    [['If-Match: "other"'], 412, 'If-Match other'],
    [["If-Match: W/$etag"], 412, 'If-Match weak: strong comparison fails'],
    [['If-Unmodified-Since: ' . date($mtime)], 200,
        'If-Unmodified-Since same'],
    [['If-Unmodified-Since: ' . date($mtime - 10)], 412,
        'If-Unmodified-Since earlier'],
    [["If-Match: $etag", 'If-Unmodified-Since: ' . date($mtime - 10)], 200,
        'If-Match wins over If-Unmodified-Since'],
    [['If-Match: "other"', "If-None-Match: $etag"], 412,
        'If-Match is evaluated before If-None-Match'],
    [["If-Match: $etag", "If-None-Match: $etag"], 304,
        'If-Match passes, If-None-Match gives 304'],
);

for my $m (@matrix) {
    my ($h, $status, $name) = @$m;
    $r = get('/f.txt', @$h);
    is($r->{status}, $status, "$name: $status");
}

$r = get('/f.txt', "If-None-Match: $etag");
is($r->{headers}{etag}, $etag, '304 keeps the ETag');
is($r->{headers}{'last-modified'}, date($mtime), '304 keeps Last-Modified');
ok(!exists $r->{headers}{'content-length'}, '304 has no Content-Length');
is($r->{body}, '', '304 has no body');

$r = parse_response($t->http_head('/f.txt',
    headers => ["If-None-Match: $etag"]), method => 'HEAD');
is($r->{status}, 304, 'HEAD: 304 as well');

# the connection stays usable after a 304
my $c = $t->connect;
$c->send("GET /f.txt HTTP/1.1\r\nHost: localhost\r\n"
    . "If-None-Match: $etag\r\n\r\n"
    . "GET /f.txt HTTP/1.1\r\nHost: localhost\r\n\r\n");
my $r1 = $c->read_response;
my $r2 = $c->read_response;
is($r1 && $r1->{status}, 304, 'keep-alive: 304');
is($r2 && $r2->{body}, "conditional body\n", 'keep-alive: then the body');
$c->close;

# --- etag off -------------------------------------------------------------

$r = get('/noetag/f.txt');
ok(!exists $r->{headers}{etag}, 'etag off: no ETag');
$r = get('/noetag/f.txt', 'If-None-Match: ' . sprintf('"%x-%x"', $mtime, 8));
is($r->{status}, 200, 'etag off: If-None-Match never matches');
$r = get('/noetag/f.txt', 'If-Match: "x"');
is($r->{status}, 412, 'etag off: If-Match with a tag fails');
$r = get('/noetag/f.txt', 'If-Modified-Since: ' . date($mtime));
is($r->{status}, 304, 'etag off: If-Modified-Since still works');

# --- if_modified_since ----------------------------------------------------

$r = get('/imsoff/f.txt', 'If-Modified-Since: ' . date($mtime));
is($r->{status}, 200, 'if_modified_since off: 200');
$r = get('/before/f.txt', 'If-Modified-Since: ' . date($mtime + 10));
is($r->{status}, 304, 'if_modified_since before: a later date gives 304');
$r = get('/before/f.txt', 'If-Modified-Since: ' . date($mtime - 10));
is($r->{status}, 200, 'if_modified_since before: an earlier date gives 200');

$t->check_error_log_clean;

done_testing;
