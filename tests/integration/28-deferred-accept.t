#!/usr/bin/perl
#
# 28-deferred-accept.t - "listen ... deferred" (TCP_DEFER_ACCEPT): the
# kernel hands a client to the worker only once it has sent something, so
# an idle connection is not accepted (stub_status's "accepts" does not
# move), a request on it is served at once, plain and over TLS, a client
# that never sends is accepted after the defer time and then meets
# client_header_timeout, and a reload switches the option on the live
# socket both ways.  Such a connection joins the epoll set only after its
# first handlers ran: under every accept strategy a large response, a
# request in two parts, keep-alive and pipelining still work.

use strict;
use warnings;

use Test::More;
use IO::Socket::SSL;
use Time::HiRes qw(time sleep);
use Hive::Test qw(parse_response parse_responses);

my $t = Hive::Test->new;
$t->make_cert('ec', cn => 'localhost');

sub config {
    my ($deferred) = @_;
    my $opt = $deferred ? ' deferred' : '';
    return $t->config_prelude . <<"EOF";
worker_processes 1;

events {
}

http {
    client_header_timeout 1s;

    server {
        listen 127.0.0.1:%%PORT_A%%$opt;
        listen 127.0.0.1:%%PORT_TLS%% ssl$opt;
        ssl_certificate ec.pem;
        ssl_certificate_key ec.key;

        location = /pid {
            echo_pid;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_B%%;

        location = /status {
            stub_status;
        }
    }
}
EOF
}

# Connections the worker has accepted, counting the status request itself.
sub accepts {
    my $r = parse_response($t->http_get('/status', port => 'B'));
    return $r && $r->{body} =~ /^\s*(\d+) \d+ \d+\s*$/m ? $1 : -1;
}

# Whether an idle connection to A (nothing sent) is accepted within
# $timeout: "accepts" grows by more than the status requests' own.
sub idle_accepted {
    my ($timeout) = @_;
    my $before = accepts();
    my $idle = $t->connect(port => 'A') or return (undef, undef);
    my ($n, $polls) = (0, 0);
    my $deadline = time() + $timeout;
    while (time() < $deadline) {
        sleep(0.1);
        $polls++;
        $n = accepts() - $before - $polls;
        last if $n > 0;
    }
    return ($n > 0, $idle);
}

$t->write_config(config(1));
$t->run;
$t->wait_workers(1);

# Linux holds a deferred client for at least one second
my ($accepted, $idle) = idle_accepted(0.6);
ok($idle, 'deferred: connected (the kernel completed the handshake)');
ok(!$accepted, 'deferred: an idle connection is not accepted');

my $before = accepts();
$idle->send("GET /pid HTTP/1.1\r\nHost: localhost\r\n\r\n");
my $r = $idle->read_response(timeout => 5);
is($r && $r->{status}, 200, 'deferred: its request is served');
like($r && $r->{body}, qr/^Request handled by worker-\d+$/,
    'deferred: by echo_pid');
is(accepts() - $before, 2, 'deferred: accepted once it sent (+ status)');
$r = $idle->read_response(timeout => 1);
ok(!$r, 'deferred: nothing more on the keep-alive connection');
$idle->close;

# a request sent with the connection, on a fresh socket
$r = parse_response($t->http_get('/pid', port => 'A'));
is($r && $r->{status}, 200, 'deferred: a one-shot request is served');

# a client that never sends: accepted after the defer time, then closed
# by client_header_timeout (1 s), well within 15 s
my $silent = $t->connect(port => 'A');
my $t0 = time();
ok($silent && $silent->is_closed(15),
    'deferred: a silent client is closed after all');
cmp_ok(time() - $t0, '>=', 0.9,
    'deferred: not before the defer time and the header timeout');
$silent->close if $silent;

# TLS: the ClientHello comes with the connection
sub tls_get {
    my $s = IO::Socket::SSL->new(
        PeerAddr => '127.0.0.1',
        PeerPort => $t->port('TLS'),
        SSL_verify_mode => SSL_VERIFY_NONE,
        Timeout => 5,
    ) or return undef;
    print $s "GET /pid HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    my $res = '';
    my $deadline = time() + 5;
    while (time() < $deadline) {
        my $n = sysread($s, $res, 65536, length $res);
        last unless $n;
    }
    close($s);
    return parse_response($res);
}

$r = tls_get();
is($r && $r->{status}, 200, 'deferred ssl: a TLS request is served');
like($r && $r->{body}, qr/^Request handled by worker-\d+$/,
    'deferred ssl: by echo_pid');

# reload without "deferred": the same socket accepts idle clients at once
my $master = $t->master_pid;
my @old = $t->worker_pids;
$t->write_config(config(0));
kill('HUP', $master);
ok($t->wait_until(sub {
        my @w = $t->worker_pids;
        @w == 1 && !grep({ $_ == $w[0] } @old);
    }, 10), 'reload off: a new worker');
($accepted, $idle) = idle_accepted(5);
ok($accepted, 'reload off: an idle connection is accepted at once');
$idle->close if $idle;
$r = parse_response($t->http_get('/pid', port => 'A'));
is($r && $r->{status}, 200, 'reload off: requests are served');

# and back on
@old = $t->worker_pids;
$t->write_config(config(1));
kill('HUP', $master);
ok($t->wait_until(sub {
        my @w = $t->worker_pids;
        @w == 1 && !grep({ $_ == $w[0] } @old);
    }, 10), 'reload on: a new worker');
($accepted, $idle) = idle_accepted(0.6);
ok($idle && !$accepted, 'reload on: an idle connection waits again');
$idle->close if $idle;
$r = tls_get();
is($r && $r->{status}, 200, 'reload on: TLS is served');

$t->stop;
$t->check_error_log_clean;

# A connection from a deferred socket joins the epoll set only after its
# first request was handled (event/accept.c): what needs a later event
# still gets one, under every accept strategy.
my %events = (
    mutex => 'accept_strategy mutex;',
    exclusive => 'accept_strategy exclusive;',
    reuseport => 'accept_strategy reuseport;',
    handoff => 'accept_strategy handoff;',
);
for my $strategy (sort keys %events) {
    my $s = Hive::Test->new;
    my $big = join('', map { sprintf("%07d\n", $_) } 1 .. 500_000); # 4 MB
    $s->write_file('html/big.txt', $big);
    $s->write_config($s->config_prelude . <<"EOF");
worker_processes 2;

events {
    $events{$strategy}
}

http {
    server {
        listen 127.0.0.1:%%PORT_A%% deferred;
        root html;

        location = /pid {
            echo_pid;
        }
    }
}
EOF
    $s->run;
    $s->wait_workers(2);

    # a response larger than the socket buffer: the rest goes out on
    # write events after the registration
    my $r = parse_response($s->http_get('/big.txt', timeout => 20));
    is($r && $r->{status}, 200, "$strategy: a 4 MB file");
    ok($r && $r->{body} eq $big, "$strategy: arrives whole");

    # a request cut in two: the second half comes on a read event
    my $c = $s->connect;
    $c->send("GET /pid HTTP/1.1\r\n");
    sleep(0.3);
    $c->send("Host: localhost\r\n\r\n");
    $r = $c->read_response(timeout => 5);
    is($r && $r->{status}, 200, "$strategy: a request sent in two parts");

    # and the next request on the same keep-alive connection
    $c->send("GET /pid HTTP/1.1\r\nHost: localhost\r\n\r\n");
    $r = $c->read_response(timeout => 5);
    is($r && $r->{status}, 200, "$strategy: then a keep-alive request");

    # two pipelined with the connection, then the client closes its side
    $c = $s->connect;
    $c->send("GET /pid HTTP/1.1\r\nHost: localhost\r\n\r\n"
        . "GET /pid HTTP/1.1\r\nHost: localhost\r\nConnection: close"
        . "\r\n\r\n");
    my @r = parse_responses($c->read_all(timeout => 5));
    is(scalar(grep { $_->{status} == 200 } @r), 2,
        "$strategy: two pipelined requests");

    $s->stop;
    $s->check_error_log_clean;
}

# the option is checked like the other socket options
$t->write_config($t->config_prelude . <<'EOF');
events {
}

http {
    server {
        listen 127.0.0.1:%%PORT_C%% deferred;
    }
    server {
        listen 127.0.0.1:%%PORT_C%% deferred;
    }
}
EOF
my ($code, $out) = $t->run_cmd($t->std_args, '-t');
isnt($code, 0, '-t: two "deferred" on one address are refused');
like($out, qr/duplicate listen options for 127\.0\.0\.1:\d+/,
    '-t: with the reason');

done_testing;
