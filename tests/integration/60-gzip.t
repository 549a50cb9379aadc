#!/usr/bin/perl
#
# 60-gzip.t - the gzip filter and gzip_static (SPEC 7, "gzip"): output
# that decompresses byte for byte (small, at the filter's buffer edges,
# and a file far larger than the worker may hold), no gzip where it is
# forbidden or refused, Vary, and .gz siblings sent as they are.

use strict;
use warnings;

use Test::More;
use POSIX ();
use IO::Uncompress::Gunzip qw(gunzip $GunzipError);
use Hive::Test qw(parse_response);

my $t = Hive::Test->new;

# bytes that deflate cannot shrink much, so the output crosses buffers
sub noise {
    my ($len, $seed) = @_;
    my $s = '';
    my $x = $seed;
    while (length $s < $len) {
        $x = ($x * 1103515245 + 12345) & 0x7fffffff;
        $s .= sprintf('%08x', $x);
    }
    return substr($s, 0, $len);
}

my $small = "<html><body>" . ("hello gzip " x 20) . "</body></html>\n";
$t->write_file('html/small.html', $small);
my $page = "<html><body>\n" . join('', map { "<p>line $_ of the page</p>\n" }
    1 .. 4000) . "</body></html>\n";
$t->write_file('html/page.html', $page);
$t->write_file('html/tiny.html', "<p>hi</p>\n");
$t->write_file('html/pic.png', $small);
$t->write_file('html/v10/page.html', $small);

# the filter reads files 32 KB at a time and fills 16 KB buffers
my @edges = (16383, 16384, 16385, 32767, 32768, 32769, 65536, 98305);
$t->write_file("html/edge-$_.txt", noise($_, $_)) for @edges;

# 40 MB: far more than the 16 MB the worker may grow by while sending it
my $big_lines = 40 * 1024 * 1024 / 64;
{
    open(my $fh, '>:raw', $t->testdir . '/html/big.txt') or die "big: $!";
    my $x = 7;
    for my $i (1 .. $big_lines) {
        $x = ($x * 1103515245 + 12345) & 0x7fffffff;
        printf $fh "%08d %08x the same words again and again, line %010d\n",
            $i, $x, $i;
    }
    close($fh) or die "big: $!";
}

my $css = "body { color: red; }\n" x 10;
$t->write_file('html/pre.css', $css);
my $gz_css;
gzip_bytes(\$css, \$gz_css);
$t->write_file('html/pre.css.gz', $gz_css);
$t->write_file('html/only.js', "IDENTITY\n");
$t->write_file('html/only.js.gz', $gz_css);
$t->write_file('html/nogz.css', $css);

sub gzip_bytes {
    my ($in, $out) = @_;
    require IO::Compress::Gzip;
    IO::Compress::Gzip::gzip($in => $out, Minimal => 1)
        or die "gzip failed";
}

$t->write_config($t->config_prelude . <<'EOF');
worker_processes 2;

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

        gzip             on;
        gzip_types       text/plain text/css;
        gzip_vary        on;
        gzip_comp_level  6;

        location / {
        }

        location /v10/ {
            gzip_http_version  1.0;
        }

        location = /nocontent {
            return  204;
        }

        location /st/ {
            alias        html/;
            gzip_static  on;
        }

        location /always/ {
            alias        html/;
            gzip_static  always;
            gzip         off;
        }
    }
}
EOF

$t->run;

my $AE = 'Accept-Encoding: gzip';

sub get {
    my ($path, @hdr) = @_;
    return parse_response($t->http_get($path, version => '1.1',
        headers => \@hdr, timeout => 30));
}

sub gunzipped {
    my ($r) = @_;
    my $out;
    gunzip(\$r->{body} => \$out) or return "gunzip: $GunzipError";
    return $out;
}

# --- compressed responses ------------------------------------------------

my $r = get('/small.html', $AE);
is($r->{status}, 200, 'small: 200');
is($r->{headers}{'content-encoding'}, 'gzip', 'small: Content-Encoding gzip');
ok(!defined $r->{headers}{'content-length'}, 'small: no Content-Length');
ok($r->{chunked}, 'small: chunked (HTTP/1.1)');
ok(gunzipped($r) eq $small, 'small: decompresses to the file');
is($r->{headers}{vary}, 'Accept-Encoding', 'small: Vary');
like($r->{headers}{etag} // '', qr{^W/"}, 'small: the ETag is weak');

for my $n (@edges) {
    $r = get("/edge-$n.txt", $AE);
    is($r->{headers}{'content-encoding'}, 'gzip', "$n bytes: gzip");
    ok(gunzipped($r) eq noise($n, $n), "$n bytes: decompress byte-exact");
}

# the worker that serves the big file must not grow by its size
my %hwm_before = map { $_ => hwm($_) } $t->worker_pids;
is(scalar(grep { $_ > 0 } values %hwm_before), 2, 'peak memory of 2 workers');
$r = get('/big.txt', $AE);
is($r->{headers}{'content-encoding'}, 'gzip', 'big: gzip');
ok(!$r->{incomplete}, 'big: complete response');
my $plain = gunzipped($r);
is(length $plain, -s $t->testdir . '/html/big.txt', 'big: length');
ok($plain eq $t->read_file('html/big.txt'), 'big: decompresses byte-exact');
undef $plain;
my $grew = 0;
for my $pid (keys %hwm_before) {
    my $now = hwm($pid);
    $grew = $now - $hwm_before{$pid} if $now - $hwm_before{$pid} > $grew;
}
cmp_ok($grew, '<', 16 * 1024, "big: worker peak memory grew ${grew} kB");

sub hwm {
    my ($pid) = @_;
    open(my $fh, '<', "/proc/$pid/status") or return 0;
    while (my $line = <$fh>) {
        return $1 if $line =~ /^VmHWM:\s+(\d+)/;
    }
    return 0;
}

# HTTP/1.0: not by default; with gzip_http_version 1.0, ended by close
$r = parse_response($t->http_get('/small.html', headers => [$AE]));
ok(!defined $r->{headers}{'content-encoding'}, 'HTTP/1.0: no gzip (1.1)');
is($r->{body}, $small, 'HTTP/1.0: identity body');
$r = parse_response($t->http_get('/v10/page.html', headers => [$AE]));
is($r->{headers}{'content-encoding'}, 'gzip', 'gzip_http_version 1.0: gzip');
is($r->{headers}{connection}, 'close', 'HTTP/1.0 gzip: Connection: close');
ok(!defined $r->{headers}{'content-length'}, 'HTTP/1.0 gzip: no length');
ok(gunzipped($r) eq $small, 'HTTP/1.0 gzip: decompresses');

# --- Accept-Encoding -------------------------------------------------------

my %ae = (
    'gzip' => 1, 'GZIP' => 1, 'x-gzip' => 1, 'deflate, gzip;q=0.001' => 1,
    '*' => 1, 'br;q=1.0, gzip ; q=0.5' => 1, 'gzip;q=1' => 1,
    'gzip;q=0' => 0, 'gzip; q=0.000' => 0, 'identity' => 0, '*;q=0' => 0,
    'gzip;q=0, *' => 0, 'deflate, br' => 0, 'gzipx' => 0, 'gzip;q=2' => 0,
);
for my $v (sort keys %ae) {
    $r = get('/small.html', "Accept-Encoding: $v");
    is(($r->{headers}{'content-encoding'} // '') eq 'gzip' ? 1 : 0, $ae{$v},
        "Accept-Encoding: $v -> " . ($ae{$v} ? 'gzip' : 'identity'));
}

# --- where gzip is forbidden or pointless ----------------------------------

$r = get('/small.html');
ok(!defined $r->{headers}{'content-encoding'}, 'no Accept-Encoding: none');
is($r->{body}, $small, 'no Accept-Encoding: identity body');
is($r->{headers}{vary}, 'Accept-Encoding', 'no Accept-Encoding: Vary too');

$r = parse_response($t->http_head('/small.html', version => '1.1',
    headers => [$AE]), method => 'HEAD');
is($r->{status}, 200, 'HEAD: 200');
ok(!defined $r->{headers}{'content-encoding'}, 'HEAD: no gzip');
is($r->{headers}{'content-length'}, length $small, 'HEAD: identity length');

$r = get('/nocontent', $AE);
is($r->{status}, 204, 'return 204: 204');
ok(!defined $r->{headers}{'content-encoding'}, '204: no gzip');

$r = get('/pic.png', $AE);
ok(!defined $r->{headers}{'content-encoding'}, 'type not in gzip_types');
ok(!defined $r->{headers}{vary}, 'type not in gzip_types: no Vary');

$r = get('/tiny.html', $AE);
ok(!defined $r->{headers}{'content-encoding'}, 'below gzip_min_length');
is($r->{headers}{'content-length'}, 10, 'below gzip_min_length: length');

# --- gzip_static ----------------------------------------------------------

$r = get('/st/pre.css', $AE);
is($r->{status}, 200, 'gzip_static: 200');
is($r->{headers}{'content-encoding'}, 'gzip', 'gzip_static: gzip');
is($r->{headers}{'content-type'}, 'text/css', "gzip_static: the file's type");
is($r->{headers}{'content-length'}, length $gz_css,
    "gzip_static: the .gz file's length");
ok($r->{body} eq $gz_css, 'gzip_static: the .gz bytes as they are');
is($r->{headers}{vary}, 'Accept-Encoding', 'gzip_static: Vary');

$r = get('/st/pre.css');
is($r->{body}, $css, 'gzip_static on, no Accept-Encoding: the file');
$r = get('/st/pre.css', 'Accept-Encoding: gzip;q=0');
is($r->{body}, $css, 'gzip_static on, gzip;q=0: the file');

$r = get('/st/nogz.css', $AE);
is($r->{headers}{'content-encoding'}, 'gzip', 'no .gz: the filter compresses');
ok(gunzipped($r) eq $css, 'no .gz: decompresses to the file');

$r = get('/always/only.js');
is($r->{headers}{'content-encoding'}, 'gzip', 'gzip_static always: gzip');
ok($r->{body} eq $gz_css, 'gzip_static always: the .gz bytes');

$r = parse_response($t->http_head('/st/pre.css', version => '1.1',
    headers => [$AE]), method => 'HEAD');
is($r->{headers}{'content-length'}, length $gz_css, 'gzip_static HEAD');
is($r->{body}, '', 'gzip_static HEAD: no body');

# --- zlib's memory stays with the worker -----------------------------------
#
# zlib's ~264 KB per response come in one block (modules/gzip/gzip.c):
# in five pieces, glibc gave the pages back when the request freed them
# and took them again for the next response, 4 brk() calls and ~66 page
# faults per compressed response.

SKIP: {
    my ($strace) = grep { -x $_ } map {"$_/strace"} split /:/, $ENV{PATH};
    skip('strace is not installed', 3) unless $strace;

    my @pids = $t->worker_pids;
    my $out = $t->testdir . '/strace-brk.out';
    my $err = $t->testdir . '/strace-brk.err';
    my $spid = fork() // die "fork: $!";
    if ($spid == 0) {
        open(STDERR, '>', $err);
        exec($strace, '-f', '-e', 'trace=brk,mmap,munmap', '-o', $out,
            map { ('-p', $_) } @pids) or POSIX::_exit(127);
    }
    my $deadline = time() + 5;
    sleep(0.05) until (() = ($t->read_file($err) // '') =~ /attached/g)
        >= @pids || time() > $deadline;
    if ((() = ($t->read_file($err) // '') =~ /attached/g) < @pids) {
        kill('TERM', $spid);
        waitpid($spid, 0);
        skip('strace cannot attach to the workers: '
            . ($t->read_file($err) // ''), 3);
    }

    my $c = $t->connect;
    my $good = 0;
    for (1 .. 20) {
        $c->send("GET /page.html HTTP/1.1\r\nHost: localhost\r\n$AE\r\n\r\n");
        my $one = $c->read_response(timeout => 10) or last;
        $good++ if ($one->{headers}{'content-encoding'} // '') eq 'gzip'
            && gunzipped($one) eq $page;
    }
    kill('INT', $spid);
    waitpid($spid, 0);

    is($good, 20, '20 compressed responses of a 100 KB page, byte-exact');
    my @brk = grep {/\bbrk\(/} split /\n/, $t->read_file($out) // '';
    # the first response may still move the heap once or twice
    cmp_ok(scalar @brk, '<=', 4, '... and the heap did not grow and shrink'
        . ' with each') or diag(scalar(@brk) . ' brk() calls');
    ok($t->alive($t->master_pid), '... the server is running');
}

$t->check_error_log_clean;

done_testing;
