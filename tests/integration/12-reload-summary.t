#!/usr/bin/perl
#
# 12-reload-summary.t - a reload that applies logs one notice line of
# what changed: "reload: servers +A -R ~C, locations +A -R ~C".  A server
# is known by its names and listen addresses, a location by its server,
# parents and match; either changed when its own block's text did
# (comments and whitespace aside; nested locations count on their own).

use strict;
use warnings;

use Test::More;
use Hive::Test;

my $t = Hive::Test->new;

my $one = <<'EOF';
    server {
        listen 127.0.0.1:%%PORT_A%%;
        server_name a.test;
        location / { return 200 "a\n"; }
        location /keep { return 200 "keep\n"; }
        location /gone { return 200 "gone\n"; }
        location /nest {
            location /nest/inner { return 200 "inner\n"; }
        }
    }
    server {
        listen 127.0.0.1:%%PORT_A%%;
        server_name b.test;
        location / { return 200 "b\n"; }
    }
EOF

$t->write_config($t->minimal_config($one));
$t->run;
$t->wait_workers(1);
my $master = $t->master_pid;

# reloads, returns the summary line (or undef)
sub reload {
    my ($conf) = @_;
    $t->write_config($t->minimal_config($conf));
    my $off = $t->log_offset;
    $t->signal('HUP');
    return $t->wait_for_log(qr/\[notice\] \d+#\d+: reload: /, 10, $off);
}

sub summary_of {
    my ($line) = @_;
    return ($line // '') =~ /(reload: .*)$/ ? $1 : 'no summary line';
}

# 1. same text, other comments and spacing: nothing changed
(my $same = $one) =~ s/^(\s+)location \/keep/$1# a comment\n$1location   \/keep/m;
is(summary_of(reload($same)),
    'reload: servers +0 -0 ~0, locations +0 -0 ~0',
    'comments and whitespace change nothing');

# 2. server a: one location changed, one removed, two added (one nested);
#    server b: a directive added at server level; server c: new
my $two = <<'EOF';
    server {
        listen 127.0.0.1:%%PORT_A%%;
        server_name a.test;
        location / { return 200 "a2\n"; }
        location /keep { return 200 "keep\n"; }
        location = /new { return 200 "new\n"; }
        location /nest {
            location /nest/inner { return 200 "inner\n"; }
            location /nest/more { return 200 "more\n"; }
        }
    }
    server {
        listen 127.0.0.1:%%PORT_A%%;
        server_name b.test;
        server_tokens off;
        location / { return 200 "b\n"; }
    }
    server {
        listen 127.0.0.1:%%PORT_A%%;
        server_name c.test;
        location / { return 200 "c\n"; }
    }
EOF
my $line = reload($two);
is(summary_of($line), 'reload: servers +1 -0 ~1, locations +3 -1 ~1',
    'servers and locations added, removed and changed');
like($line // '', qr/^\S+ \S+ \[notice\] $master#/,
    'the master logs it at notice');
# the line comes from the master as it applies the file; the old workers
# may answer a moment longer, so wait for a new one
ok($t->wait_until(
        sub { ($t->http_get('/', host => 'a.test') // '') =~ /\r\n\r\na2\n\z/ },
        10),
    'the new configuration serves');

# 3. a server renamed is one removed and one added
(my $three = $two) =~ s/c\.test/d.test/;
is(summary_of(reload($three)),
    'reload: servers +1 -1 ~0, locations +1 -1 ~0',
    'a renamed server: its locations move with it');

# 4. a failed reload logs no summary
$t->write_config($t->minimal_config("    server { listen; }\n"));
my $off = $t->log_offset;
$t->signal('HUP');
ok($t->wait_for_log(qr/reload failed/, 10, $off), 'a bad file: reload failed');
ok(!$t->wait_for_log(qr/reload: servers/, 0.5, $off),
    'a failed reload logs no summary');

$t->check_error_log_clean;
done_testing();
