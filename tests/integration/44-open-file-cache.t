#!/usr/bin/perl
#
# 44-open-file-cache.t - "open_file_cache": a cached file is served
# byte-exact from memory (small) or from its kept descriptor (large); a
# file replaced, rewritten or deleted is seen once open_file_cache_valid
# has passed; a response's length always agrees with its header; the
# descriptors a worker keeps stay within max and go when inactive.

use strict;
use warnings;

use Test::More;
use Time::HiRes qw(sleep time);
use Digest::SHA qw(sha256_hex);
use Hive::Test qw(parse_response parse_responses);

my $t = Hive::Test->new;
my $html = $t->testdir . '/html';

my $small = join('', map { chr(($_ * 7) % 256) } 0 .. 1023);
my $large = join('', map { chr(($_ * 13) % 251) } 0 .. 300_000);
$t->write_file('html/small.bin', $small);
$t->write_file('html/large.bin', $large);
$t->write_file('html/rep.txt', "old content\n");
$t->write_file('html/inplace.txt', "AAAA\n");
$t->write_file('html/gone.txt', "here\n");
$t->write_file('html/off/o.txt', "uncached\n");
$t->write_file("html/many/f$_.bin", ("$_" x 20_000)) for 1 .. 10;

$t->write_config($t->config_prelude . <<'EOF');
worker_processes 1;

events {
}

http {
    include  mime.types;
    open_file_cache        max=4 inactive=2s;
    open_file_cache_valid  1s;

    server {
        listen       127.0.0.1:%%PORT_A%%;
        server_name  localhost;
        root         html;

        location /off/ {
            open_file_cache  off;
        }
    }
}
EOF

$t->run;

my ($worker) = $t->wait_workers(1);

sub get { parse_response($t->http_get($_[0])) }

# descriptors of the worker open on files under html/
sub cached_fds {
    my $n = 0;
    opendir(my $dh, "/proc/$worker/fd") or return -1;
    for my $fd (readdir($dh)) {
        my $to = readlink("/proc/$worker/fd/$fd") // next;
        $n++ if index($to, $html) == 0;
    }
    closedir($dh);
    return $n;
}

# the header's Content-Length and the body agree
sub consistent {
    my ($r) = @_;
    return defined $r->{headers}{'content-length'}
        && $r->{headers}{'content-length'} == length $r->{body};
}

for my $round (1 .. 3) {
    my $r = get('/small.bin');
    is($r->{status}, 200, "small file, request $round: 200");
    is(sha256_hex($r->{body}), sha256_hex($small),
        "small file, request $round: byte-exact");
    $r = get('/large.bin');
    is(sha256_hex($r->{body}), sha256_hex($large),
        "large file, request $round: byte-exact");
}

my $r = parse_response($t->http_get('/large.bin',
    headers => ['Range: bytes=100-199']));
is($r->{status}, 206, 'a range of a cached file: 206');
is($r->{body}, substr($large, 100, 100), 'a range of a cached file: bytes');
$r = parse_response($t->http_get('/small.bin',
    headers => ['Range: bytes=1000-']));
is($r->{body}, substr($small, 1000), 'a range of a file in memory: bytes');

ok(cached_fds() >= 1, 'a large cached file keeps its descriptor');

# replaced by rename(): old or new content, never a mix; new after valid
is(get('/rep.txt')->{body}, "old content\n", 'rename: cached first');
$t->write_file('html/rep.new', "the new, longer content\n");
rename("$html/rep.new", "$html/rep.txt") or die "rename: $!";
$r = get('/rep.txt');
ok(consistent($r), 'rename: length agrees with the header within valid');
like($r->{body}, qr/^(?:old content|the new, longer content)\n\z/,
    'rename: one whole version within valid');
sleep(1.3);
$r = get('/rep.txt');
is($r->{body}, "the new, longer content\n", 'rename: new content after valid');
ok(consistent($r), 'rename: length agrees with the header after valid');

# rewritten in place, same size
is(get('/inplace.txt')->{body}, "AAAA\n", 'rewrite: cached first');
sleep(0.05);
$t->write_file('html/inplace.txt', "BBBB\n");
sleep(1.3);
is(get('/inplace.txt')->{body}, "BBBB\n", 'rewrite: new content after valid');

# deleted
is(get('/gone.txt')->{status}, 200, 'delete: cached first');
unlink("$html/gone.txt") or die "unlink: $!";
sleep(1.3);
is(get('/gone.txt')->{status}, 404, 'delete: 404 after valid');

# open_file_cache off in a location
is(get('/off/o.txt')->{body}, "uncached\n", 'off: served');

# many large files: at most max descriptors stay
for my $i (1 .. 10) {
    $r = get("/many/f$i.bin");
    is(length $r->{body}, length("$i" x 20_000), "many: f$i.bin whole");
}
my $fds = cached_fds();
ok($fds >= 1 && $fds <= 4, "descriptors kept within max=4 (saw $fds)");

# rapid reuse while a range and a full body share one entry
my $c = $t->connect;
$c->send("GET /many/f10.bin HTTP/1.1\r\nHost: l\r\n\r\n"
    . "GET /many/f10.bin HTTP/1.1\r\nHost: l\r\nRange: bytes=0-9\r\n"
    . "Connection: close\r\n\r\n");
my @rs = parse_responses($c->read_all);
is(scalar @rs, 2, 'keep-alive: two answers');
is($rs[1]{body}, '1010101010', 'keep-alive: the range of a cached file');

# inactive: every descriptor goes after 2 s without use
my $deadline = time() + 6;
sleep(0.2) while cached_fds() > 0 && time() < $deadline;
is(cached_fds(), 0, 'inactive entries are closed');

$t->check_error_log_clean;

done_testing;
