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

done_testing();
