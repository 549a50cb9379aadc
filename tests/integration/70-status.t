#!/usr/bin/perl
#
# 70-status.t - stub_status (SPEC 7, "status"): nginx's text format, the
# JSON extension, and counters summed over every worker that grow by
# exactly the requests made, with gauges that return to their rest.

use strict;
use warnings;

use Test::More;
use JSON::PP qw(decode_json);
use Time::HiRes qw(time sleep);
use Hive::Test qw(parse_response parse_responses);

my $t = Hive::Test->new;

$t->write_config($t->config_prelude . <<'EOF');
worker_processes 2;

events {
    accept_strategy  reuseport;
}

http {
    server {
        listen       127.0.0.1:%%PORT_A%%;
        server_name  localhost;

        location = /status {
            stub_status;
        }

        location = /pid {
            echo_pid;
        }
    }
}
EOF

$t->run;
my @workers = $t->wait_workers(2);
is(scalar @workers, 2, 'two workers');

sub status_json {
    my $r = parse_response($t->http_get('/status?format=json'));
    my $j = eval { decode_json($r->{body}) };
    return ($r, $j);
}

# Polls (bounded) until the server is at rest: only the status request's
# own connection open, reading it done, writing it.
sub at_rest {
    my $deadline = time() + 5;
    my ($r, $j);
    while (1) {
        ($r, $j) = status_json();
        return $j if $j && $j->{active} == 1 && $j->{reading} == 0
            && $j->{writing} == 1;
        return $j if time() > $deadline;
        sleep(0.05);
    }
}

my ($r, $j) = status_json();
is($r->{status}, 200, 'json: 200');
is($r->{headers}{'content-type'}, 'application/json', 'json: content type');
ok($j, 'json: parses') or diag($r->{body});
is($j->{accept_strategy}, 'reuseport', 'json: the accept strategy in force');
is_deeply([sort { $a <=> $b } map { $_->{pid} } @{$j->{workers}}],
    \@workers, 'json: one entry per worker, with its pid');
for my $k (qw(accepted handled requests active)) {
    my $sum = 0;
    $sum += $_->{$k} for @{$j->{workers}};
    is($sum, $j->{$k}, "json: $k is the sum over the workers");
}

$j = at_rest();
my %base = %$j;

# --- the counters grow by exactly what was done ------------------------------

my $n = 30;
my %seen;
for (1 .. $n) {
    my $p = parse_response($t->http_get('/pid'));
    $seen{$1}++ if ($p->{body} // '') =~ /worker-(\d+)/;
}
cmp_ok(scalar keys %seen, '>=', 2, 'requests were served by both workers');

# one keep-alive connection with three pipelined requests
my $c = $t->connect;
$c->send(join '', map {
    "GET /pid HTTP/1.1\r\nHost: localhost\r\n"
        . ($_ == 3 ? "Connection: close\r\n" : '') . "\r\n"
} 1 .. 3);
my @res = grep { defined } map { $c->read_response } 1 .. 3;
is(scalar @res, 3, 'three pipelined responses');
$c->close;

$j = at_rest();
# each status_json() call is one more connection and request
my $calls = 1;
is($j->{requests} - $base{requests}, $n + 3 + $calls,
    'requests grew by exactly the requests made');
is($j->{accepted} - $base{accepted}, $n + 1 + $calls,
    'accepted grew by exactly the connections made');
is($j->{handled} - $base{handled}, $n + 1 + $calls, 'handled as well');
is($j->{active}, 1, 'active: only the status connection');
is($j->{reading}, 0, 'reading back to 0');
is($j->{writing}, 1, 'writing: only the status request');
is($j->{waiting}, 0, 'waiting: 0');
my $per = 0;
$per += $_->{requests} for @{$j->{workers}};
is($per, $j->{requests}, 'per-worker requests add up to the total');

# --- gauges: a half-sent request reads, an idle keep-alive waits -----------

my $half = $t->connect;
$half->send("GET /pid HTTP/1.1\r\nHost: loc");
my $idle = $t->connect;
$idle->send("GET /pid HTTP/1.1\r\nHost: localhost\r\n\r\n");
ok(defined $idle->read_response, 'keep-alive response');

my $deadline = time() + 5;
while (1) {
    ($r, $j) = status_json();
    last if $j->{active} == 3 || time() > $deadline;
    sleep(0.05);
}
is($j->{active}, 3, 'active: status, half request, idle keep-alive');
is($j->{reading}, 1, 'reading: the half-sent request');
is($j->{writing}, 1, 'writing: the status request');
is($j->{waiting}, 1, 'waiting: the idle keep-alive connection');

$half->close;
$idle->close;
$j = at_rest();
is($j->{active}, 1, 'closed connections leave active');
is($j->{reading}, 0, 'the abandoned request leaves reading');

# --- nginx's text format ----------------------------------------------------

$r = parse_response($t->http_get('/status'));
is($r->{status}, 200, 'text: 200');
is($r->{headers}{'content-type'}, 'text/plain', 'text: text/plain');
like($r->{body}, qr/\AActive\ connections:\ \d+\ \n
    server\ accepts\ handled\ requests\n
    \ \d+\ \d+\ \d+\ \n
    Reading:\ \d+\ Writing:\ \d+\ Waiting:\ \d+\ \n\z/x,
    "text: nginx's exact layout");
my ($act, $acc, $han, $req, $rd, $wr, $wt) = $r->{body} =~ /(\d+)/g;
is($req, $j->{requests} + 1, 'text: requests (one more than last time)');
is($acc, $j->{accepted} + 1, 'text: accepts');
is($han, $acc, 'text: handled = accepts');
is("$act $rd $wr $wt", '1 0 1 0', 'text: the gauges');

$r = parse_response($t->http_head('/status'), method => 'HEAD');
is($r->{status}, 200, 'HEAD: 200');
is($r->{body}, '', 'HEAD: no body');

$r = parse_response($t->http_get('/status', method => 'POST',
    headers => ['Content-Length: 0']));
is($r->{status}, 405, 'POST: 405');

$t->check_error_log_clean;

done_testing;
