#!/usr/bin/perl
#
# 42-range.t - Range requests on static files: single, open and suffix
# ranges (206 with Content-Range), several ranges as multipart/byteranges
# (parsed and compared byte for byte), 416 with "bytes */LEN", fields that
# are ignored (malformed, too many ranges, huge numbers), If-Range, and a
# range of a 10 MB file compared by digest.

use strict;
use warnings;

use Test::More;
use Digest::SHA qw(sha256_hex);
use Hive::Test qw(parse_response);

my $t = Hive::Test->new;

my $small = join('', map { chr(ord('a') + $_ % 26) } 0 .. 999);
$t->write_file('html/s.txt', $small);

my $big = '';
my $x = 4321;
for (1 .. 10 * 1024 * 1024 / 4) {
    $x = ($x * 1103515245 + 12345) & 0x7fffffff;
    $big .= pack('N', $x);
}
$t->write_file('html/big.bin', $big);

$t->write_config($t->config_prelude . <<'EOF');
events {
}

http {
    sendfile  on;

    server {
        listen       127.0.0.1:%%PORT_A%%;
        server_name  localhost;
        root         html;
    }
}
EOF

$t->run;

sub get {
    my ($path, @h) = @_;
    return parse_response($t->http_get($path, headers => \@h, timeout => 30));
}

my $len = length $small;
my $r = get('/s.txt');
is($r->{headers}{'accept-ranges'}, 'bytes', 'Accept-Ranges: bytes');
my $etag = $r->{headers}{etag};

# --- one range ------------------------------------------------------------

my @single = (
    ['bytes=0-99', 0, 99],
    ['bytes=0-0', 0, 0],
    ['bytes=990-', 990, 999],
    ['bytes=-10', 990, 999],
    ['bytes=-5000', 0, 999],
    ['bytes=500-99999', 500, 999],
    ['bytes=0-99999999999999999999999999', 0, 999],
    ['bytes=5-6, 2000-3000', 5, 6],
);

for my $s (@single) {
    my ($spec, $from, $to) = @$s;
    $r = get('/s.txt', "Range: $spec");
    is($r->{status}, 206, "$spec: 206");
    is($r->{headers}{'content-range'}, "bytes $from-$to/$len",
        "$spec: Content-Range");
    is($r->{body}, substr($small, $from, $to - $from + 1), "$spec: the bytes");
    is($r->{headers}{'content-length'}, $to - $from + 1,
        "$spec: Content-Length");
}

# --- several ranges -------------------------------------------------------

$r = get('/s.txt', 'Range: bytes=0-9,20-29,-5');
is($r->{status}, 206, 'three ranges: 206');
my ($boundary) = ($r->{headers}{'content-type'} // '')
    =~ m{^multipart/byteranges; boundary=(\S+)$};
ok(defined $boundary, 'multipart/byteranges with a boundary');
is($r->{headers}{'content-length'}, length $r->{body},
    'multipart: Content-Length is the body length');

my @parts;
$boundary //= 'none';
for my $part (split /\r\n--\Q$boundary\E/, $r->{body}) {
    next unless $part =~ /^\r\n(.*?)\r\n\r\n(.*)$/s;
    my ($h, $data) = ($1, $2);
    my ($type) = $h =~ /^Content-Type: (.*?)\r?$/mi;
    my ($cr) = $h =~ /^Content-Range: (.*?)\r?$/mi;
    push @parts, [$type, $cr, $data];
}
like($r->{body}, qr/\r\n--\Q$boundary\E--\r\n$/, 'multipart: closing line');
is(scalar @parts, 3, 'multipart: three parts');
is_deeply([map { $_->[1] } @parts],
    ["bytes 0-9/$len", "bytes 20-29/$len", "bytes 995-999/$len"],
    'multipart: the Content-Range of each part');
is_deeply([map { $_->[2] } @parts],
    [substr($small, 0, 10), substr($small, 20, 10), substr($small, 995)],
    'multipart: the bytes of each part');
is($parts[0][0], 'text/plain', 'multipart: each part has the type');

# --- 416 ------------------------------------------------------------------

for my $spec ('bytes=1000-', 'bytes=5000-6000', 'bytes=-0',
    'bytes=99999999999999999999999-')
{
    $r = get('/s.txt', "Range: $spec");
    is($r->{status}, 416, "$spec: 416");
    is($r->{headers}{'content-range'}, "bytes */$len",
        "$spec: Content-Range bytes */$len");
}

# --- ignored: the whole file ----------------------------------------------

my $many = 'bytes=' . join(',', map { "$_-$_" } 0 .. 16);
for my $spec ('items=0-5', 'bytes=5-1', 'bytes=abc', 'bytes=0-1;2-3', $many,
    'bytes=0-999,0-999')
{
    $r = get('/s.txt', "Range: $spec");
    my $name = length $spec > 30 ? substr($spec, 0, 30) . '...' : $spec;
    is($r->{status}, 200, "$name: ignored, 200");
    is($r->{body}, $small, "$name: the whole file");
}

$r = parse_response($t->http_head('/s.txt', headers => ['Range: bytes=0-9']),
    method => 'HEAD');
is($r->{status}, 206, 'HEAD with Range: 206');
is($r->{headers}{'content-length'}, 10, 'HEAD with Range: its length');

# --- If-Range -------------------------------------------------------------

$r = get('/s.txt', 'Range: bytes=0-1', "If-Range: $etag");
is($r->{status}, 206, 'If-Range with the ETag: 206');
$r = get('/s.txt', 'Range: bytes=0-1', 'If-Range: "old"');
is($r->{status}, 200, 'If-Range with another ETag: 200');
is($r->{body}, $small, 'If-Range mismatch: the whole file');
$r = get('/s.txt', 'Range: bytes=0-1',
    'If-Range: ' . $r->{headers}{'last-modified'});
is($r->{status}, 206, 'If-Range with the date: 206');
$r = get('/s.txt', 'Range: bytes=0-1',
    'If-Range: Thu, 01 Jan 1998 00:00:00 GMT');
is($r->{status}, 200, 'If-Range with another date: 200');

# a date may start with 'W' (Wednesday) and is still a date, not a weak
# entity-tag (W/"..."), which never matches an If-Range
$t->write_file('html/wed.txt', $small);
utime(1445412480, 1445412480, $t->testdir . '/html/wed.txt')
    or die "utime: $!";
$r = get('/wed.txt');
is($r->{headers}{'last-modified'}, 'Wed, 21 Oct 2015 07:28:00 GMT',
    'a file modified on a Wednesday');
my $wed_etag = $r->{headers}{etag};
$r = get('/wed.txt', 'Range: bytes=0-1',
    'If-Range: Wed, 21 Oct 2015 07:28:00 GMT');
is($r->{status}, 206, 'If-Range with a Wednesday date: 206');
$r = get('/wed.txt', 'Range: bytes=0-1', "If-Range: W/$wed_etag");
is($r->{status}, 200, 'If-Range with the weak entity-tag: 200');

# --- a 10 MB file ---------------------------------------------------------

my ($from, $to) = (3_000_001, 9_999_999);
$r = get('/big.bin', "Range: bytes=$from-$to");
is($r->{status}, 206, '10 MB: 206');
is(length $r->{body}, $to - $from + 1, '10 MB: every byte of the range');
is(sha256_hex($r->{body}), sha256_hex(substr($big, $from, $to - $from + 1)),
    '10 MB: the range byte for byte');

$r = get('/big.bin', 'Range: bytes=0-0,-1048576');
my $body = $r->{body};
ok(index($body, substr($big, -1048576)) > 0,
    '10 MB: a multipart range from the end is intact');

$t->check_error_log_clean;

done_testing;
