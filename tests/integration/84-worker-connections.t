#!/usr/bin/perl
#
# 84-worker-connections.t - worker_connections reached (issue 8, faults):
# with one worker and a small pool, held busy by connections in the middle
# of a request, a further connection waits in the listen backlog (it is
# neither reset nor dropped), the busy ones are still served, and the one
# that waited is served as soon as a connection closes.  For every accept
# strategy.

use strict;
use warnings;

use Test::More;
use Time::HiRes qw(time sleep);
use Hive::Test qw(parse_response);

my $POOL = 16;

my %events = (
    mutex => 'accept_mutex on;',
    exclusive => 'accept_mutex off;',
    reuseport => 'accept_mutex on;',
    handoff => 'accept_strategy handoff;',
);

for my $strategy (qw(mutex exclusive reuseport handoff)) {
    my $t = Hive::Test->new;
    my $listen = $strategy eq 'reuseport' ? ' reuseport' : '';
    $t->write_config($t->config_prelude . <<"EOF");
worker_processes 1;

events {
    worker_connections $POOL;
    $events{$strategy}
}

http {
    keepalive_timeout 60s;
    client_header_timeout 60s;

    server {
        listen 127.0.0.1:%%PORT_A%%$listen;
        location = /pid {
            echo_pid;
        }
    }
}
EOF
    $t->run;
    my ($worker) = $t->wait_workers(1);
    my $req = "GET /pid HTTP/1.1\r\nHost: localhost\r\n";

    # each held connection got one answer and is now busy with a request
    # cut in half (sent with the first, so it is never idle): the worker
    # cannot close it to make room
    my (@held, $waiting);
    for my $i (1 .. $POOL + 4) {
        my $c = $t->connect or last;
        $c->send("$req\r\n$req");
        my $r = $c->read_response(timeout => 1.5);
        if (!$r) {
            $waiting = $c;
            last;
        }
        push @held, $c;
    }

    ok($waiting, "$strategy: with " . scalar(@held) . " busy connections"
        . " a new one is not served");
    # the listening socket and the master's channel take one each
    cmp_ok(scalar @held, '>=', $POOL - 2, "$strategy: the whole pool is"
        . ' used first (a worker near its limit with nobody better placed'
        . ' still accepts)');
    ok($waiting && !$waiting->is_closed(1.5), "$strategy: it waits,"
        . ' not closed or reset');

    # an existing connection is served meanwhile; its close makes room
    $held[0]->send("Connection: close\r\n\r\n");
    my $r = $held[0]->read_response(timeout => 5);
    is($r && $r->{status}, 200, "$strategy: a busy connection is still"
        . ' served while the pool is full');
    shift(@held)->close;

    $r = $waiting && $waiting->read_response(timeout => 5);
    is($r && $r->{body}, "Request handled by worker-$worker\n",
        "$strategy: the connection that waited is served once one closed");

    $_->close for @held, grep { defined } $waiting;
    my $ok = 0;
    for (1 .. 3) {
        $r = parse_response($t->http_get('/pid', timeout => 5));
        $ok++ if ($r->{status} // 0) == 200;
    }
    is($ok, 3, "$strategy: new connections are served afterwards");

    $t->check_error_log_clean;
}

done_testing();
