#!/usr/bin/perl
#
# 23-accept-spread.t - fresh connections spread over the workers under the
# default accept mutex (SPEC 5; issue 1 of 8, item 3).  nginx's mutex lets
# one worker take all 300 of 300 connections at concurrency 8 on a 2-core
# machine; hive's holder sits out the round after it accepted and wakes a
# peer, so every worker must get a real share.

use strict;
use warnings;

use Test::More;
use IO::Handle;
use POSIX ();
use Hive::Test qw(parse_response);

my $config = <<'EOF_CONF';
worker_processes %%WORKERS%%;

events {
    worker_connections 256;
}

http {
    access_log off;
    server {
        listen 127.0.0.1:%%PORT_A%%;
        location = /pid {
            echo_pid;
        }
    }
}
EOF_CONF

# Runs $total fresh connections to /pid from $clients concurrent
# processes; returns a hash worker pid => connections served.
sub spread {
    my ($t, $total, $clients) = @_;
    my %count;
    my @readers;

    for my $i (0 .. $clients - 1) {
        pipe(my $r, my $w) or die "pipe: $!";
        my $pid = fork();
        die "fork: $!" unless defined $pid;
        if ($pid == 0) {
            close $r;
            my $n = int($total / $clients) + ($i < $total % $clients ? 1 : 0);
            for (1 .. $n) {
                my $raw = $t->http_get('/pid', timeout => 5) // '';
                my ($who) = $raw =~ /Request handled by worker-(\d+)/;
                print $w (($who // 'none') . "\n");
            }
            close $w;
            POSIX::_exit(0);
        }
        close $w;
        push @readers, [$pid, $r];
    }
    for my $pr (@readers) {
        my ($pid, $r) = @$pr;
        while (my $line = <$r>) {
            chomp $line;
            $count{$line}++;
        }
        close $r;
        waitpid($pid, 0);
    }
    return \%count;
}

for my $workers (2, 4) {
    my $t = Hive::Test->new;
    my $text = $config;
    $text =~ s/%%WORKERS%%/$workers/;
    $t->write_config($t->config_prelude . $text);
    $t->run;
    my @pids = $t->wait_workers($workers);
    is(scalar @pids, $workers, "$workers workers running");

    my $count = spread($t, 300, 8);
    my $served = 0;
    $served += $count->{$_} for grep { $_ ne 'none' } keys %$count;
    is($served, 300, "$workers workers: all 300 connections answered");

    my %is_worker = map { $_ => 1 } @pids;
    my @strangers = grep { !$is_worker{$_} } keys %$count;
    is_deeply(\@strangers, [], 'only the workers answered');

    # An even share is 300 / N; every worker must get at least a third of
    # it, which nginx's mutex (300 / 0) fails by far.
    my $floor = int(300 / $workers / 3);
    for my $pid (@pids) {
        my $got = $count->{$pid} // 0;
        cmp_ok($got, '>=', $floor,
            "$workers workers: worker $pid took $got of 300 (>= $floor)");
    }
    diag(join(' ', map { "$_=" . ($count->{$_} // 0) } @pids));

    # One client, one connection at a time: still every worker answers.
    my $seq = spread($t, 200, 1);
    is(scalar(grep { $is_worker{$_} } keys %$seq), $workers,
        "$workers workers: 200 sequential connections reach every worker");

    $t->check_error_log_clean;
}

# --- keep-alive clients only: the listening socket stays where it is ---------
#
# Two workers busy with the clients they have win and lose the lock in
# turn.  Taking the listening socket out of the loser's epoll set at once
# cost an EPOLL_CTL_DEL/ADD pair per turn (0.16 per request at wrk -c64);
# with nobody connecting, no worker may touch it (event/accept_mutex.c).

# Sends $n requests on $c one after another; the pid that answered each.
sub keepalive_run {
    my ($c, $n) = @_;
    my @who;
    for (1 .. $n) {
        $c->send("GET /pid HTTP/1.1\r\nHost: localhost\r\n\r\n");
        my $r = $c->read_response(timeout => 5) or last;
        push @who, $r->{body} =~ /worker-(\d+)/ ? $1 : 'none';
    }
    return @who;
}

SKIP: {
    my ($strace) = grep { -x $_ } map {"$_/strace"} split /:/, $ENV{PATH};
    skip('strace is not installed', 6) unless $strace;

    my $t = Hive::Test->new;
    my $text = $config;
    $text =~ s/%%WORKERS%%/2/;
    $t->write_config($t->config_prelude . $text);
    $t->run;
    my @pids = $t->wait_workers(2);

    # two connections on each worker, opened before tracing starts
    my (%on, @conns);
    for (1 .. 40) {
        my $c = $t->connect or last;
        my ($who) = keepalive_run($c, 1);
        next unless defined $who && ($on{$who} // 0) < 2;
        $on{$who}++;
        push @conns, $c;
        last if @conns == 4;
    }
    is(scalar @conns, 4, 'two keep-alive connections on each of 2 workers');

    my $out = $t->testdir . '/strace-ctl.out';
    my $err = $t->testdir . '/strace-ctl.err';
    my $spid = fork() // die "fork: $!";
    if ($spid == 0) {
        open(STDERR, '>', $err);
        exec($strace, '-e', 'trace=epoll_ctl', '-o', $out,
            map { ('-p', $_) } @pids) or POSIX::_exit(127);
    }
    my $deadline = time() + 5;
    sleep(0.05) until (() = ($t->read_file($err) // '') =~ /attached/g) >= 2
        || time() > $deadline;
    if ((() = ($t->read_file($err) // '') =~ /attached/g) < 2) {
        kill('TERM', $spid);
        waitpid($spid, 0);
        skip('strace cannot attach to the workers: '
            . ($t->read_file($err) // ''), 5);
    }

    # the four clients at once, so both workers run at the same time
    my @kids;
    for my $c (@conns) {
        my $kid = fork() // die "fork: $!";
        if ($kid == 0) {
            my @who = keepalive_run($c, 300);
            my $bad = grep { $_ eq 'none' } @who;
            POSIX::_exit(@who == 300 && !$bad ? 0 : 1);
        }
        push @kids, $kid;
    }
    my $failed = 0;
    for my $kid (@kids) {
        waitpid($kid, 0);
        $failed++ if $? != 0;
    }
    kill('INT', $spid);
    waitpid($spid, 0);

    is($failed, 0, '4 clients x 300 keep-alive requests answered');
    # a worker that lost the lock while the connections were opened puts
    # the socket back once, when it first wins: one ADD per worker at most
    my @ctl = split /\n/, $t->read_file($out) // '';
    my @del = grep {/EPOLL_CTL_DEL/} @ctl;
    my @add = grep { /EPOLL_CTL_ADD/ && !/EPOLLET/ } @ctl;
    is(scalar @del, 0, '... no worker took the listening socket out')
        or diag(scalar(@del) . " times, first: $del[0]");
    cmp_ok(scalar @add, '<=', 2, '... and each put it in once at most')
        or diag(scalar(@add) . " times, first: $add[0]");
    ok($t->alive($t->master_pid), 'the server is still running');
    $t->check_error_log_clean;
}

done_testing();
