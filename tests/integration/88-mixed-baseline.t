#!/usr/bin/perl
#
# 88-mixed-baseline.t - a worker's descriptors and memory return to their
# baseline after 100,000 mixed requests (issue 8, "Sanitizers and
# memory").  One worker serves, at the same time:
#   - wrk: keep-alive HTTP, keep-alive TLS, and TLS with a fresh full
#     handshake per request (Connection: close);
#   - this script: hostile and broken clients, each on its own
#     connection: closed mid-header, mid-body, right after the request
#     without reading a 256 KB answer, and after one of two keep-alive
#     requests; a 400 (no Host, a bad request line), a 413, request
#     smuggling (Content-Length with Transfer-Encoding and a second request
#     hidden in the body; "chunked, identity"), plain HTTP on the TLS
#     port, a ClientHello cut short.
# A warm-up round at the same concurrency first fills what is meant to
# stay (the open file cache, the TLS session cache, OpenSSL's and malloc's
# arenas at their peak); then the worker's open descriptors and VmRSS are
# read once it is idle, the load runs until 100,000 requests are made,
# and both are read again once it is idle.  The descriptors must be the
# same number; VmRSS may grow by $rss_slack_kb at most (see below).

use strict;
use warnings;

use Test::More;
use Time::HiRes qw(time sleep);
use Hive::Test qw(parse_response);

my ($wrk) = grep { -x } map { "$_/wrk" } split /:/, $ENV{PATH} // '';
plan skip_all => 'wrk is not installed (apt-get install wrk; .ci/run does)'
    unless $wrk;

my $target = 100_000;
my $round_seconds = 3;
my $warmup_seconds = 1;
my $deadline = time() + 120;    # the load rounds; ~10 s on an idle machine

# The bound on VmRSS growth.  After the warm-up the worker's heap is at the
# peak this load reaches (the same connections at once), the caches are
# full and glibc keeps freed memory for reuse, so a leak of even 100 bytes
# per request (10 MB over the run) fails it; what it allows is allocator
# noise: a few pages of heap fragmentation and of OpenSSL's per-thread
# state (measured: +36 to +76 kB).  Under AddressSanitizer freed memory
# sits in a quarantine first and its allocator fragments more: the
# quarantine is capped below and the bound widened (measured: +0.3 to
# +3.4 MB); there LeakSanitizer, at the worker's exit, is the finer check.

my $t = Hive::Test->new;
my $asan = $t->has_asan;
my $rss_slack_kb = $asan ? 16384 : 2048;
$ENV{ASAN_OPTIONS} = join(':', grep { defined && length }
    $ENV{ASAN_OPTIONS}, 'quarantine_size_mb=4') if $asan;
my $dir = $t->testdir;

$t->make_cert('cert');
$t->write_file('html/index.html', 'i' x 600);
$t->write_file("html/f$_.txt", "file $_\n" x 50) for 1 .. 8;
$t->write_file('html/big.bin', 'b' x 262144);

my $http = <<'EOF';
    open_file_cache max=64 inactive=10m;
    client_max_body_size 1k;
    keepalive_requests 100000;
    ssl_certificate cert.pem;
    ssl_certificate_key cert.key;
    ssl_session_cache shared:SSL:64k;

    server {
        listen 127.0.0.1:%%PORT_PLAIN%%;
        listen 127.0.0.1:%%PORT_TLS%% ssl;
        server_name localhost;
        root html;

        location / {
        }

        location = /status {
            stub_status;
        }
    }
EOF
$t->write_config($t->minimal_config($http, connections => 1024,
    access_log => 0));
$t->run;
my ($worker) = $t->wait_workers(1);
ok($worker, 'one worker');

# --- the server as the worker sees it --------------------------------------

sub status {
    my $r = parse_response($t->http_get('/status', port => 'PLAIN') // '');
    my %s;
    @s{qw(active)} = ($r->{body} // '') =~ /Active connections: (\d+)/;
    @s{qw(accepts handled requests)} =
        ($r->{body} // '') =~ /^\s*(\d+) (\d+) (\d+)\s*$/m;
    return \%s;
}

# Waits until the only connection left is the status request itself and
# the descriptor count holds still for half a second; returns a snapshot.
sub idle_snapshot {
    my $until = time() + 15;
    my ($last, $since) = (-1, time());
    my $st;
    while (time() < $until) {
        $st = status();
        my $n = $t->fd_count($worker);
        ($last, $since) = ($n, time()) if $n != $last;
        last if ($st->{active} // 0) == 1 && time() - $since >= 0.5;
        sleep(0.1);
    }
    return { fds => $t->fd_count($worker), rss => $t->rss_kb($worker),
        %$st };
}

# --- load -------------------------------------------------------------------

my %total;

sub start_wrk {
    my ($seconds, $name, $url, @args) = @_;
    my $out = "$dir/wrk-$name.out";
    my $pid = fork() // die "fork: $!";
    if ($pid == 0) {
        open(STDIN, '<', '/dev/null');
        open(STDOUT, '>', $out) and open(STDERR, '>&', \*STDOUT)
            and exec($wrk, '-t1', "-d${seconds}s",
                '--timeout', '10s', @args, $url);
        POSIX::_exit(127);
    }
    return [$name, $pid, $out];
}

# (requests, non-2xx, socket errors) of a finished wrk run
sub wrk_result {
    my ($out) = @_;
    my $text = $t->read_file($out) // '';
    my ($n) = $text =~ /(\d+) requests in /;
    my ($bad) = $text =~ /Non-2xx or 3xx responses: (\d+)/;
    my $errors = 0;
    if ($text =~ /Socket errors: connect (\d+), read (\d+), write (\d+), (?x)
        timeout (\d+)/) {
        $errors = $1 + $2 + $3 + $4;
    }
    diag("wrk: $text") unless defined $n;
    return ($n // 0, $bad // 0, $errors);
}

my $plain = 'http://127.0.0.1:' . $t->port('PLAIN');
my $tls = 'https://127.0.0.1:' . $t->port('TLS');

# The hostile clients, one connection each; what each must get back.
my $big_req = "GET /big.bin HTTP/1.1\r\nHost: localhost\r\n\r\n";
my @hostile = (
    [ 'mid-header', 'PLAIN',
        "GET /index.html HTTP/1.1\r\nHost: localhost\r\nX-Cut: abc", undef ],
    [ 'mid-body', 'PLAIN',
        "POST /index.html HTTP/1.1\r\nHost: localhost\r\n"
            . "Content-Length: 512\r\n\r\n" . ('z' x 100), undef ],
    [ 'no-read', 'PLAIN', $big_req, undef ],
    [ 'keepalive-abort', 'PLAIN',
        "GET /f1.txt HTTP/1.1\r\nHost: localhost\r\n\r\n$big_req", undef ],
    [ 'no-host', 'PLAIN', "GET / HTTP/1.1\r\n\r\n", 400 ],
    [ 'bad-line', 'PLAIN', "GET /\x01 HTTP/1.1\r\nHost: localhost\r\n\r\n",
        400 ],
    [ 'too-large', 'PLAIN',
        "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000\r\n\r\n",
        413 ],
    [ 'cl-te', 'PLAIN',
        "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 48\r\n"
            . "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
            . "GET /f2.txt HTTP/1.1\r\nHost: localhost\r\n\r\n", 400 ],
    [ 'te-list', 'PLAIN',
        "POST / HTTP/1.1\r\nHost: localhost\r\n"
            . "Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n", 400 ],
    [ 'plain-on-tls', 'TLS', "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
        400 ],
    [ 'hello-cut', 'TLS', "\x16\x03\x01\x01\x00\x01\x00\x00\xfc\x03\x03",
        undef ],
);

my %hostile_n;
my @hostile_bad;

# One hostile connection; returns 1 when it counts as a request made.
sub hostile_one {
    my ($case) = @_;
    my ($name, $port, $req, $want) = @$case;
    my $c = $t->connect(port => $port) or do {
        push @hostile_bad, "$name: connect: $!";
        return 0;
    };
    $c->send($req);
    if (defined $want) {
        my $r = $c->read_response(timeout => 10);
        my $got = $r ? $r->{status} // 'none' : 'no response';
        # 501 is as good as 400 for a coding hive does not know
        push @hostile_bad, "$name: $got, not $want" if $got ne $want
            && !($name eq 'te-list' && $got eq '501');
        # after a smuggling attempt the connection ends: no second answer
        if ($name eq 'cl-te') {
            push @hostile_bad, "$name: the connection stayed open"
                unless $c->is_closed(10);
            push @hostile_bad, "$name: a second answer" if $c->buffer ne '';
        }
    }
    $c->close;
    $hostile_n{$name}++;
    return 1;
}

# A round of $seconds: three wrk runs at once, and the hostile clients
# until they end.
sub round {
    my ($seconds) = @_;
    my @runs = (
        start_wrk($seconds, 'plain', "$plain/index.html", '-c8'),
        start_wrk($seconds, 'tls', "$tls/f3.txt", '-c4'),
        start_wrk($seconds, 'tls-fresh', "$tls/f4.txt", '-c2', '-H',
            'Connection: close'),
    );
    my %left = map { $_->[1] => 1 } @runs;
    my ($n, $i) = (0, 0);
    my $until = time() + $seconds + 30;

    while (%left && time() < $until) {
        $n += hostile_one($hostile[$i++ % @hostile]);
        for my $pid (keys %left) {
            delete $left{$pid} if waitpid($pid, POSIX::WNOHANG()) == $pid;
        }
    }
    kill('KILL', keys %left);
    waitpid($_, 0) for keys %left;

    my %r = (hostile => $n);
    for my $run (@runs) {
        my ($name, undef, $out) = @$run;
        my ($done, $bad, $errors) = wrk_result($out);
        $r{$name} = $done;
        $total{"$name non-2xx"} += $bad;
        # a fresh connection per request: wrk counts the server's close
        $total{"$name socket errors"} += $errors if $name ne 'tls-fresh';
    }
    $r{sum} = $r{hostile} + $r{plain} + $r{tls} + $r{'tls-fresh'};
    return \%r;
}

# --- warm-up, baseline, 100,000, and again -----------------------------------

my $warm = round($warmup_seconds);
cmp_ok($warm->{sum}, '>=', 2000, "warm-up: $warm->{sum} requests")
    or diag(explain($warm));
my $before = idle_snapshot();

my ($rounds, $made) = (0, 0);
while ($made < $target && time() < $deadline) {
    my $r = round($round_seconds);
    $rounds++;
    $made += $r->{sum};
    $total{$_} += $r->{$_} for qw(hostile plain tls tls-fresh);
}
my $after = idle_snapshot();

cmp_ok($made, '>=', $target, "$made requests made in $rounds rounds")
    or diag(explain(\%total));
note(sprintf('keep-alive %d, TLS keep-alive %d, TLS handshakes %d, '
    . 'hostile %d', @total{qw(plain tls tls-fresh hostile)}));
note('hostile: ' . join(', ', map { "$_ $hostile_n{$_}" } sort keys
    %hostile_n));
is($total{$_} // 0, 0, "wrk: $_") for ('plain non-2xx', 'tls non-2xx',
    'tls-fresh non-2xx', 'plain socket errors', 'tls socket errors');
ok(!@hostile_bad, 'every hostile client got what it should')
    or diag(join("\n", @hostile_bad[0 .. ($#hostile_bad < 9 ? $#hostile_bad
        : 9)]));
cmp_ok($after->{requests} - $before->{requests}, '>=', 0.9 * $target,
    'stub_status counted the requests (' . ($after->{requests}
        - $before->{requests}) . ')');

is($after->{active}, 1, 'no connection left but the status request');
ok(Hive::Test::alive($worker), 'the same worker served it all');
is($after->{fds}, $before->{fds},
    "the worker's descriptors: $before->{fds} before, $after->{fds} after");
cmp_ok($after->{rss} - $before->{rss}, '<=', $rss_slack_kb,
    "VmRSS: $before->{rss} kB before, $after->{rss} kB after "
    . "(at most +$rss_slack_kb kB)");
diag(sprintf('88-mixed-baseline: %d requests, fds %d -> %d, '
    . 'VmRSS %d -> %d kB', $made, $before->{fds}, $after->{fds},
    $before->{rss}, $after->{rss})) if $ENV{HIVE_TEST_VERBOSE};

$t->check_error_log_clean;

done_testing;
