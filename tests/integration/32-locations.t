#!/usr/bin/perl
#
# 32-locations.t - how a request finds its location (SPEC 6, nginx's
# algorithm): "=" exact first, then the longest prefix and its nested
# locations, "^~" stopping the regex search, regexes in file order, and
# the bounded internal redirect; plus the configuration errors of
# "location", "return", "root"/"alias" and the contexts of directives.

use strict;
use warnings;

use Test::More;
use Hive::Test qw(parse_response);

my $t = Hive::Test->new;

$t->write_file('html/docs/page.html', "docs page\n");

$t->write_config($t->config_prelude . <<'EOF');
events {
}

http {
    server {
        listen  127.0.0.1:%%PORT_A%%;
        root    html;

        location / {
            return 200 "root\n";
        }

        location = / {
            return 200 "exact root\n";
        }

        location /a {
            return 200 "prefix a\n";
        }

        location /a/b {
            return 200 "prefix a/b\n";

            location /a/b/c {
                return 200 "nested a/b/c\n";
            }

            location ~ \.txt$ {
                return 200 "nested regex txt\n";
            }
        }

        location ^~ /static/ {
            return 200 "noregex static\n";
        }

        location ~ \.php$ {
            return 200 "regex php\n";
        }

        location ~* \.(PNG|gif)$ {
            return 200 "caseless image\n";
        }

        location ~ ^/a/.*\.php$ {
            return 200 "second regex\n";
        }

        location =/glued {
            return 200 "glued exact\n";
        }

        location /docs/ {
        }

        location /loop/ {
            index /loop/;
        }
    }
}
EOF

$t->run;

my %cases = (
    '/' => 'exact root',
    '/x' => 'root',
    '/a' => 'prefix a',
    '/abc' => 'prefix a',
    '/a/b' => 'prefix a/b',
    '/a/bx' => 'prefix a/b',
    '/a/b/c/d' => 'nested a/b/c',
    '/a/b/x.txt' => 'nested regex txt',
    '/a/b/c/x.txt' => 'nested regex txt',
    '/a/x.php' => 'regex php',
    '/a/b/x.php' => 'regex php',
    '/static/x.php' => 'noregex static',
    '/x.png' => 'caseless image',
    '/x.PNG' => 'caseless image',
    '/x.Gif' => 'caseless image',
    '/x.PHP' => 'root',
    '/glued' => 'glued exact',
    '/glued/' => 'root',
);

for my $uri (sort keys %cases) {
    my $r = parse_response($t->http_get($uri));
    is($r->{body}, "$cases{$uri}\n", "$uri goes to \"$cases{$uri}\"");
}

my $r = parse_response($t->http_get('/docs/page.html'));
is($r->{body}, "docs page\n", 'a location without directives serves files');

my $off = $t->log_offset;
$r = parse_response($t->http_get('/loop/'));
is($r->{status}, 500, 'an internal redirect loop ends in 500');
ok($t->wait_for_log(qr/rewrite or internal redirection cycle/, 2, $off),
    'and is logged');

$t->stop;

# --- configuration errors -----------------------------------------------------

my $conf = $t->testdir . '/conf/hive.conf';

sub check_error {
    my ($body, $re, $name) = @_;
    $t->write_config($t->config_prelude . "events {\n}\nhttp {\n"
        . "server {\nlisten 127.0.0.1:%%PORT_A%%;\n$body\n}\n}\n");
    my ($code, $out) = $t->run_cmd($t->std_args, '-t');
    is($code, 1, "$name: refused");
    like($out, $re, "$name: the message");
}

# the server block's body starts at line 9
check_error("location /a { }\nlocation /a { }",
    qr/duplicate location "\/a" in \Q$conf\E:10/, 'duplicate location');
check_error("location /a { }\nlocation ^~ /a { }",
    qr/duplicate location "\/a"/, '"^~ /a" duplicates "/a"');
check_error("location /a {\nlocation /b { }\n}",
    qr/location "\/b" is outside location "\/a" in \Q$conf\E:10/,
    'a nested prefix outside its parent');
check_error("location ~ ^/r {\nlocation /x { }\n}",
    qr/location "\/x" is outside location "\^\/r"/,
    'a nested prefix inside a regex (nginx compares the text)');
check_error("location = /a {\nlocation /a/b { }\n}",
    qr/location "\/a\/b" cannot be inside the exact location "\/a"/,
    'a location inside an exact one');
check_error("location ~ ( { }",
    qr/pcre2_compile\(\) failed: .* in "\(" at ""/, 'a broken regex');
check_error("location !! /x { }",
    qr/invalid location modifier "!!"/, 'an unknown modifier');
check_error("location \@named { }",
    qr/named locations \("\@named"\) are not supported yet/,
    'named locations');
check_error("return 1000;", qr/invalid return code "1000"/,
    'a return code above 999');
check_error("location / {\nroot html;\nalias /tmp/;\n}",
    qr/"alias" directive is duplicate, "root" directive was specified earlier/,
    'alias after root');
check_error("location / {\nlisten 8080;\n}",
    qr/"listen" directive is not allowed here in \Q$conf\E:10/,
    'listen inside a location');
check_error("echo_pid;", qr/"echo_pid" directive is not allowed here/,
    'echo_pid at server level');
check_error("location / {\nfrobnicate on;\n}",
    qr/unknown directive "frobnicate" in \Q$conf\E:10/,
    'an unknown directive');
check_error("location / {\nsendfile maybe;\n}",
    qr/invalid value "maybe" in "sendfile" directive/, 'a bad flag');
check_error("location / {\nindex a.html /b.html c.html;\n}",
    qr/only the last index in "index" directive should be absolute/,
    'an absolute index that is not last');
check_error("location / {\nerror_page 200 /x.html;\n}",
    qr/value "200" must be between 300 and 599/, 'error_page 200');
check_error("access_log logs/x.log nosuch;",
    qr/unknown log format "nosuch"/, 'an unknown log format');

$t->write_config($t->config_prelude . <<'EOF');
events {
}
http {
    server {
        listen 127.0.0.1:%%PORT_A%%;
    }
    server {
        listen 127.0.0.1:%%PORT_A%%;
    }
}
server {
}
EOF
my ($code, $out) = $t->run_cmd($t->std_args, '-t');
is($code, 1, 'server outside http: refused');
like($out, qr/"server" directive is not allowed here in \Q$conf\E:14/,
    'server outside http: the message');

$t->write_config($t->config_prelude . <<'EOF');
events {
}
http {
}
http {
}
EOF
($code, $out) = $t->run_cmd($t->std_args, '-t');
is($code, 1, 'a second http block: refused');
like($out, qr/"http" directive is duplicate in \Q$conf\E:8/,
    'a second http block: the message');

$t->check_error_log_clean;

done_testing;
