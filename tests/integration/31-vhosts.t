#!/usr/bin/perl
#
# 31-vhosts.t - virtual servers (SPEC 6): several servers on one address,
# the Host header choosing among exact names, wildcards and regexes,
# default_server, and the configuration errors and warnings nginx gives.

use strict;
use warnings;

use Test::More;
use Hive::Test qw(parse_response);

my $t = Hive::Test->new;

my $servers = <<'EOF';
events {
}

http {
    server {
        listen       127.0.0.1:%%PORT_A%%;
        server_name  a.test alias-a.test;
        location / { return 200 "A\n"; }
    }

    server {
        listen       127.0.0.1:%%PORT_A%% default_server;
        server_name  b.test;
        location / { return 200 "B\n"; }
    }

    server {
        listen       127.0.0.1:%%PORT_A%%;
        server_name  *.wild.test;
        location / { return 200 "WILD\n"; }
    }

    server {
        listen       127.0.0.1:%%PORT_A%%;
        server_name  *.deep.wild.test;
        location / { return 200 "DEEP\n"; }
    }

    server {
        listen       127.0.0.1:%%PORT_A%%;
        server_name  www.pre.*;
        location / { return 200 "PRE\n"; }
    }

    server {
        listen       127.0.0.1:%%PORT_A%%;
        server_name  .dot.test;
        location / { return 200 "DOT\n"; }
    }

    server {
        listen       127.0.0.1:%%PORT_A%%;
        server_name  ~^re\d+\.test$;
        location / { return 200 "RE\n"; }
    }

    server {
        listen       127.0.0.1:%%PORT_A%%;
        server_name  "";
        location / { return 200 "NOHOST\n"; }
    }

    server {
        listen       127.0.0.1:%%PORT_B%%;
        server_name  first.test;
        location / { return 200 "FIRST\n"; }
    }

    server {
        listen       127.0.0.1:%%PORT_B%%;
        server_name  second.test;
        location / { return 200 "SECOND\n"; }
    }
}
EOF

$t->write_config($t->config_prelude . $servers);
$t->run;

sub body_for {
    my ($host, %o) = @_;
    my $req = "GET / HTTP/1.1\r\n"
        . (defined $host ? "Host: $host\r\n" : '')
        . "Connection: close\r\n\r\n";
    $req =~ s{HTTP/1\.1}{HTTP/1.0} unless defined $host;
    my $r = parse_response($t->http($req, %o));
    return ($r->{status} // 0) == 200 ? $r->{body} : "status "
        . ($r->{status} // 'none');
}

is(body_for('a.test'), "A\n", 'exact name chooses its server');
is(body_for('alias-a.test'), "A\n", 'a second name of the same server');
is(body_for('A.TEST'), "A\n", 'names compare without case');
is(body_for('a.test:' . $t->port('A')), "A\n", 'the port in Host is ignored');
is(body_for('a.test.'), "A\n", 'a trailing dot in Host is ignored');
is(body_for('b.test'), "B\n", 'the other exact name');
is(body_for('x.wild.test'), "WILD\n", '*.wild.test matches a subdomain');
is(body_for('x.y.wild.test'), "WILD\n", '*.wild.test matches any depth');
is(body_for('x.deep.wild.test'), "DEEP\n", 'the longest wildcard wins');
is(body_for('wild.test'), "B\n", '*.wild.test does not match wild.test');
is(body_for('www.pre.org'), "PRE\n", 'www.pre.* matches a suffix');
is(body_for('WWW.PRE.NET'), "PRE\n", 'trailing wildcard without case');
is(body_for('dot.test'), "DOT\n", '.dot.test matches the name itself');
is(body_for('a.dot.test'), "DOT\n", '.dot.test matches subdomains');
is(body_for('re42.test'), "RE\n", 'a ~regex name');
is(body_for('re.test'), "B\n", 'a regex that does not match: default');
is(body_for('unknown.test'), "B\n", 'unknown host: the default_server');
is(body_for(undef), "NOHOST\n", 'no Host (HTTP/1.0): the "" server');

is(body_for('second.test', port => 'B'), "SECOND\n",
    'second address: its exact name');
is(body_for('other.test', port => 'B'), "FIRST\n",
    'without default_server the first server is the default');

$t->stop;

# --- configuration errors -----------------------------------------------------

my $conf = $t->testdir . '/conf/hive.conf';

$t->write_config($t->config_prelude . <<'EOF');
events {
}
http {
    server {
        listen 127.0.0.1:%%PORT_A%% default_server;
    }
    server {
        listen 127.0.0.1:%%PORT_A%% default_server;
    }
}
EOF
my ($code, $out) = $t->run_cmd($t->std_args, '-t');
is($code, 1, 'two default servers on one address: refused');
like($out, qr/a duplicate default server for 127\.0\.0\.1:\d+ in \Q$conf\E:11/,
    'the message names the address and FILE:LINE');

$t->write_config($t->config_prelude . <<'EOF');
events {
}
http {
    server {
        listen 127.0.0.1:%%PORT_A%%;
        listen 127.0.0.1:%%PORT_A%%;
    }
}
EOF
($code, $out) = $t->run_cmd($t->std_args, '-t');
is($code, 1, 'the same listen twice in a server: refused');
like($out, qr/a duplicate listen 127\.0\.0\.1:\d+ in \Q$conf\E:9/,
    'duplicate listen: message and line');

$t->write_config($t->config_prelude . <<'EOF');
events {
}
http {
    server {
        listen 127.0.0.1:%%PORT_A%% fast;
    }
}
EOF
($code, $out) = $t->run_cmd($t->std_args, '-t');
is($code, 1, 'an unknown listen parameter: refused');
like($out, qr/invalid parameter "fast" in \Q$conf\E:8/,
    'the message names the parameter');

$t->write_config($t->config_prelude . <<'EOF');
events {
}
http {
    server {
        listen 127.0.0.1:99999;
    }
}
EOF
($code, $out) = $t->run_cmd($t->std_args, '-t');
is($code, 1, 'an invalid port: refused');
like($out, qr/invalid port in "127\.0\.0\.1:99999" of the "listen" directive/,
    'the message names the address');

$t->write_config($t->config_prelude . <<'EOF');
events {
}
http {
    server {
        listen 127.0.0.1:%%PORT_A%% backlog=64 reuseport;
        server_name a.*.test;
    }
}
EOF
($code, $out) = $t->run_cmd($t->std_args, '-t');
is($code, 1, 'a wildcard in the middle: refused');
like($out, qr/invalid server name or wildcard "a\.\*\.test"/,
    'the message names the server name');

# --- a conflicting name is a warning; the first server keeps it ---------------

$t->write_config($t->config_prelude . <<'EOF');
events {
}
http {
    server {
        listen 127.0.0.1:%%PORT_A%% backlog=64;
        server_name dup.test;
        location / { return 200 "one\n"; }
    }
    server {
        listen 127.0.0.1:%%PORT_A%%;
        server_name dup.test;
        location / { return 200 "two\n"; }
    }
}
EOF
($code, $out) = $t->run_cmd($t->std_args, '-t');
is($code, 0, 'a conflicting server name is not an error');
like($out, qr/\[warn\] conflicting server name "dup\.test" on 127\.0\.0\.1:\d+, ignored/,
    'it is a warning like nginx');

$t->run;
is(body_for('dup.test'), "one\n", 'the first server keeps the name');

$t->check_error_log_clean;

done_testing;
