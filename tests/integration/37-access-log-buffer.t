#!/usr/bin/perl
#
# 37-access-log-buffer.t - "access_log PATH FORMAT buffer=SIZE flush=TIME":
# lines wait in the worker's buffer until flush= expires, until the next
# line would not fit, until USR1 reopens the file (pending lines go to the
# moved file) or until the worker exits (QUIT); a line longer than the
# buffer is written directly, after the pending ones; bad parameters are
# refused at configuration time.

use strict;
use warnings;

use Test::More;
use Time::HiRes qw(time sleep);
use Hive::Test;

my $t = Hive::Test->new;
my $pad = 'x' x 200;

$t->write_config($t->config_prelude . <<"EOF");
worker_processes 1;

events {
    worker_connections 64;
}

http {
    log_format  uri  '\$uri';
    log_format  pad  '\$uri $pad';
    access_log  logs/access.log;

    server {
        listen       127.0.0.1:%%PORT_A%%;
        server_name  localhost;

        location /t/ {
            access_log  logs/timer.log uri buffer=64k flush=1s;
            return 200 "t\\n";
        }

        location /s/ {
            access_log  logs/small.log pad buffer=1k;
            return 200 "s\\n";
        }

        location /r/ {
            access_log  logs/rot.log uri buffer=64k;
            return 200 "r\\n";
        }
    }
}
EOF

$t->run;

sub lines {
    my ($rel) = @_;
    my $text = $t->read_file($rel) // '';
    return [split /\n/, $text];
}

# The first word of each line of REL.
sub uris {
    my ($rel) = @_;
    return [map { (split / /)[0] } @{lines($rel)}];
}

# Waits (bounded) until REL has N lines; returns the seconds it took.
sub wait_lines {
    my ($rel, $n, $timeout) = @_;
    my $start = time();
    while (@{lines($rel)} < $n) {
        return undef if time() - $start > $timeout;
        sleep(0.05);
    }
    return time() - $start;
}

# --- flush=1s: nothing at once, everything within about a second ---------

like($t->http_get("/t/$_"), qr/^HTTP\/1\.[01] 200/, "request /t/$_")
    for 1 .. 5;
is(scalar @{lines('logs/timer.log')}, 0, 'flush=1s: the log is empty at once');
my $took = wait_lines('logs/timer.log', 5, 3);
ok(defined $took, 'flush=1s: the 5 lines arrive within 3 s');
ok(defined $took && $took > 0.3, 'flush=1s: ... after the timer, not at once')
    or diag('took ' . ($took // 'forever'));
is_deeply(lines('logs/timer.log'), [map {"/t/$_"} 1 .. 5],
    'flush=1s: the lines in request order');

# --- buffer=1k: a line that does not fit flushes the others -------------

# each line is "/s/N " + 200 bytes + "\n" = 206 bytes: 4 fit in 1024
$t->http_get("/s/$_") for 1 .. 4;
sleep(0.3);
is(scalar @{lines('logs/small.log')}, 0, 'buffer=1k: 4 lines stay buffered');
$t->http_get('/s/5');
ok(defined wait_lines('logs/small.log', 4, 2),
    'buffer=1k: the 5th line pushes the 4 out');
is_deeply(uris('logs/small.log'), [map {"/s/$_"} 1 .. 4],
    'buffer=1k: the first 4 lines, in order');

# a line longer than the buffer: the pending one first, then it, directly
my $long = '/s/' . ('L' x 1100);
$t->http_get($long);
ok(defined wait_lines('logs/small.log', 6, 2),
    'a line longer than the buffer is written at once');
is_deeply(uris('logs/small.log'), [(map {"/s/$_"} 1 .. 5), $long],
    '... after the pending line');

# --- USR1: pending lines go to the moved file, new ones to the new -----

$t->http_get("/r/$_") for 1 .. 3;
sleep(0.3);
is(scalar @{lines('logs/rot.log')}, 0, 'rot.log: 3 lines buffered');
my $dir = $t->testdir;
ok(rename("$dir/logs/rot.log", "$dir/logs/rot.log.1"), 'rot.log moved');
$t->signal('USR1');
ok(defined wait_lines('logs/rot.log.1', 3, 5),
    'USR1: the pending lines are written to the moved file');
my $deadline = time() + 5;
sleep(0.05) while !-e "$dir/logs/rot.log" && time() < $deadline;
ok(-e "$dir/logs/rot.log", 'USR1: a new rot.log is created');
# the worker reopens just after its flush
sleep(0.3);
$t->http_get("/r/$_") for 4 .. 5;
$t->http_get("/s/$_") for 6 .. 7;
sleep(0.3);
is(scalar @{lines('logs/rot.log')}, 0, 'rot.log: the new lines buffered');
is(scalar @{lines('logs/small.log')}, 6, 'small.log: 2 lines buffered');

# --- QUIT: the exiting worker writes everything out --------------------

ok($t->stop(signal => 'QUIT'), 'QUIT: the server stops');
is_deeply(lines('logs/rot.log.1'), [map {"/r/$_"} 1 .. 3],
    'QUIT: the moved file has the lines from before USR1 only');
is_deeply(lines('logs/rot.log'), [map {"/r/$_"} 4 .. 5],
    'QUIT: the new file gets the lines buffered after USR1');
is_deeply(uris('logs/small.log'),
    [(map {"/s/$_"} 1 .. 5), $long, '/s/6', '/s/7'],
    'QUIT: small.log gets its 2 pending lines');
is(scalar @{lines('logs/access.log')}, 0,
    'no line of a buffered location in the default log');

$t->check_error_log_clean;

# --- bad parameters --------------------------------------------------

my @bad = (
    ['logs/a.log combined flush=1s', qr/"flush" without "buffer"/],
    ['logs/a.log combined buffer=0', qr/invalid parameter "buffer=0"/],
    ['logs/a.log combined buffer=4k flush=x', qr/invalid parameter "flush=x"/],
    ["logs/a.log combined buffer=4k;\n    access_log logs/a.log combined"
        . ' buffer=8k', qr/conflicting parameters/],
);
for my $b (@bad) {
    my ($args, $re) = @$b;
    $t->write_config($t->config_prelude . <<"EOF");
events {
}
http {
    access_log $args;
    server {
        listen 127.0.0.1:%%PORT_A%%;
    }
}
EOF
    my ($code, $out) = $t->run_cmd($t->std_args, '-t');
    (my $name = $args) =~ s/;\n\s*/; /;
    isnt($code, 0, "-t refuses access_log $name");
    like($out, $re, '... with a message saying why');
}

# --- TERM (fast stop) writes the pending lines out too ------------------

$t->write_config($t->config_prelude . <<'EOF');
worker_processes 1;
events {
}
http {
    log_format  uri  '$uri';
    server {
        listen 127.0.0.1:%%PORT_A%%;
        access_log logs/fast.log uri buffer=64k flush=1h;
        return 200 "f\n";
    }
}
EOF
$t->run;
$t->http_get("/f/$_") for 1 .. 2;
sleep(0.3);
is(scalar @{lines('logs/fast.log')}, 0, 'flush=1h: the lines are buffered');
ok($t->stop, 'TERM: the server stops');
is_deeply(lines('logs/fast.log'), ['/f/1', '/f/2'],
    'TERM: the exiting worker writes them out');
$t->check_error_log_clean;

done_testing;
