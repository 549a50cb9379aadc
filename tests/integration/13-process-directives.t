#!/usr/bin/perl
#
# 13-process-directives.t - worker_cpu_affinity, worker_priority, env and
# pcre_jit with nginx's meaning: workers get the CPUs, nice value and
# environment the configuration names, the master keeps its own; regex
# locations serve with pcre_jit on and off; bad values fail -t with
# FILE:LINE.

use strict;
use warnings;

use Test::More;
use Hive::Test;

# CPUs and nice value of a process, from /proc.
sub cpus_of {
    my ($pid) = @_;
    open(my $fh, '<', "/proc/$pid/status") or return undef;
    while (my $line = <$fh>) {
        return $1 if $line =~ /^Cpus_allowed_list:\s*(\S+)/;
    }
    return undef;
}

sub nice_of {
    my ($pid) = @_;
    open(my $fh, '<', "/proc/$pid/stat") or return undef;
    my $stat = <$fh> // '';
    $stat =~ s/^.*\) //s;    # fields from the 3rd (state) on
    return (split / /, $stat)[16];
}

# "0-2,5" -> (0, 1, 2, 5)
sub expand {
    my ($list) = @_;
    return map { /^(\d+)-(\d+)$/ ? ($1 .. $2) : ($_) } split /,/, $list // '';
}

my @cpus = expand(cpus_of($$));
my $my_nice = nice_of($$);

my $http = <<'EOF';
    log_format t '$time_local $request_uri';
    server {
        listen 127.0.0.1:%%PORT_A%%;
        access_log logs/t.log t;
        location ~ ^/re/(?<word>\w+)$ {
            return 200 "re:$1:$word\n";
        }
        location / {
            return 200 "plain\n";
        }
    }
EOF

# --- auto affinity, priority, env TZ=..., pcre_jit on -----------------------

my $t = Hive::Test->new;
$t->write_config($t->minimal_config($http, workers => 2,
    main => "worker_cpu_affinity auto;\nworker_priority 5;\n"
        . "env TZ=UTC+5;\nenv HIVE_TEST_KEEP;\npcre_jit on;"));

my ($code, $out) = $t->run_cmd($t->std_args, '-t');
is($code, 0, '-t accepts the four directives') or diag($out);

{
    local $ENV{TZ} = 'UTC-3';
    local $ENV{HIVE_TEST_KEEP} = 'kept';
    $t->run;
}
my @w = $t->wait_workers(2);
is(scalar @w, 2, 'two workers');

my %got = map { (cpus_of($_) // '?') => 1 } @w;
my %want = map { $cpus[$_ % @cpus] => 1 } 0 .. 1;
is_deeply([sort keys %got], [sort keys %want],
    'auto: worker N runs on CPU N mod ncpu (' . join(',', keys %got) . ')');
ok(!grep({ !/^\d+$/ } keys %got), 'auto: each worker on one CPU');
is(cpus_of($t->master_pid), cpus_of($$), 'the master keeps every CPU');

is(nice_of($_), 5, "worker $_ runs at nice 5") for @w;
is(nice_of($t->master_pid), $my_nice, 'the master keeps its nice value');

# the time cache is rebuilt once a second: ask after the worker's first
sleep(1.2);
like($t->http_get('/re/abc'), qr/\r\n\r\nre:abc:abc\n\z/,
    'pcre_jit on: a regex location with captures');
like($t->http_get('/plain'), qr/\r\n\r\nplain\n\z/, 'a prefix location');
my $log = '';
for (1 .. 50) {
    $log = $t->read_file('logs/t.log') // '';
    last if $log =~ m{/plain};
    select(undef, undef, undef, 0.1);
}
like($log, qr{^\S+ -0500 /re/abc$}m,
    'env TZ=UTC+5: the worker logs local time at -0500');

$t->stop;

# --- no env: TZ is kept from the master, explicit masks, pcre_jit off -------

SKIP: {
    skip('needs CPUs 0 and 1', 4) unless grep({ $_ == 0 } @cpus)
        && grep({ $_ == 1 } @cpus);

    $t->write_config($t->minimal_config($http, workers => 3,
        main => "worker_cpu_affinity 10 01;\npcre_jit off;"));
    {
        local $ENV{TZ} = 'UTC-3';
        $t->run;
    }
    my @w3 = $t->wait_workers(3);
    is(scalar @w3, 3, 'three workers');
    my @masks = sort map { cpus_of($_) // '?' } @w3;
    is_deeply(\@masks, [0, 0, 1],
        'masks: worker 0 on CPU 1, worker 1 and the last one past the list '
        . 'on CPU 0');
    is(nice_of($w3[0]), $my_nice, 'no worker_priority: nice unchanged');

    like($t->http_get('/re/xyz'), qr/\r\n\r\nre:xyz:xyz\n\z/,
        'pcre_jit off: the regex location still matches');
    $t->stop;
}

{
    $t->write_config($t->minimal_config($http));
    local $ENV{TZ} = 'UTC-3';
    $t->run;
    sleep(1.2);
    $t->http_get('/tz');
    my $log2 = '';
    for (1 .. 50) {
        $log2 = $t->read_file('logs/t.log') // '';
        last if $log2 =~ m{/tz};
        select(undef, undef, undef, 0.1);
    }
    like($log2, qr{^\S+ \+0300 /tz$}m,
        'without env: the workers keep the master\'s TZ');
    $t->stop;
}

# --- bad values fail -t with FILE:LINE ------------------------------------------

my @bad = (
    ['worker_priority 20;', qr/invalid value "20" in "worker_priority"/],
    ['worker_priority -21;', qr/invalid value "-21" in "worker_priority"/],
    ['worker_priority x;', qr/invalid value "x" in "worker_priority"/],
    ["worker_priority 1;\nworker_priority 2;",
        qr/"worker_priority" directive is duplicate/],
    ['worker_cpu_affinity 0102;', qr/invalid character "2" in "worker_cpu_affinity"/],
    ['worker_cpu_affinity 000;', qr/mask "000" in "worker_cpu_affinity" names no CPU/],
    ['worker_cpu_affinity auto 01 10;', qr/"worker_cpu_affinity" directive takes "auto" and at most one mask/],
    ['pcre_jit maybe;', qr/"pcre_jit"/],
    ['env =X;', qr/invalid variable "=X" in "env"/],
);
for my $case (@bad) {
    my ($main, $re) = @$case;
    $t->write_config($t->minimal_config($http, main => $main));
    my $line = 4 + (() = $main =~ /\n/g);    # after the 3-line prelude
    ($code, $out) = $t->run_cmd($t->std_args, '-t');
    my $what = $main =~ s/\n/ /gr;
    is($code, 1, "-t fails: $what");
    like($out, qr/\[emerg\] .*$re.* in \S+hive\.conf:$line$/m,
        "-t names the error and FILE:LINE: $what") or diag($out);
}

$t->check_error_log_clean;
done_testing();
