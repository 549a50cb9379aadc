#!/usr/bin/perl
#
# 45-autoindex.t - "autoindex on": an HTML listing of a directory without
# an index file; hostile names are percent-encoded in links and
# HTML-escaped in text; hidden files are not listed; an index file still
# wins; "off" (the default) keeps nginx's 403.

use strict;
use warnings;

use Test::More;
use Hive::Test qw(parse_response);

my $t = Hive::Test->new;

my @hostile = ('a<b>.txt', 'x&y.txt', 'q"uote.txt', 'sp ace.txt',
    'per%25cent.txt', "apo'.txt", 'h#sh?.txt', 'c:olon.txt');
$t->write_file("html/list/$_", "content of $_\n") for @hostile;
$t->write_file('html/list/size.bin', 'z' x 12345);
$t->write_file('html/list/.hidden', "hidden\n");
$t->write_file('html/list/sub<dir>/f.txt', "in sub\n");
$t->write_file('html/withindex/index.html', "the index\n");
$t->write_file('html/withindex/other.txt', "other\n");
$t->write_file('html/closed/f.txt', "f\n");

$t->write_config($t->config_prelude . <<'EOF');
events {
}

http {
    include  mime.types;

    server {
        listen       127.0.0.1:%%PORT_A%%;
        server_name  localhost;
        root         html;
        autoindex    on;

        location /closed/ {
            autoindex  off;
        }
    }
}
EOF

$t->run;

sub get { parse_response($t->http_get($_[0], %{$_[1] // {}})) }

sub url_escape {
    my ($s) = @_;
    $s =~ s/([^A-Za-z0-9\-._~])/sprintf('%%%02X', ord $1)/ge;
    return $s;
}

sub html_escape {
    my ($s) = @_;
    my %e = ('<' => '&lt;', '>' => '&gt;', '&' => '&amp;', '"' => '&quot;',
        "'" => '&#39;');
    $s =~ s/([<>&"'])/$e{$1}/g;
    return $s;
}

my $r = get('/list/');
is($r->{status}, 200, 'listing: 200');
like($r->{headers}{'content-type'}, qr{^text/html}, 'listing: text/html');
is($r->{headers}{'content-length'}, length $r->{body},
    'listing: length agrees with the header');
like($r->{body}, qr{<title>Index of /list/</title>}, 'listing: title');
like($r->{body}, qr{<a href="\.\./">\.\./</a>}, 'listing: parent link');

for my $name (@hostile) {
    my $line = '<a href="' . url_escape($name) . '">' . html_escape($name)
        . '</a>';
    ok(index($r->{body}, $line) >= 0, "hostile name '$name': escaped link");
}
ok($r->{body} !~ /<b>|a<b|x&y|q"uote/,
    'no hostile name appears unescaped');

like($r->{body}, qr{<a href="sub%3Cdir%3E/">sub&lt;dir&gt;/</a>\s+\S+ \S+\s+-\r\n},
    'a directory: slash, date and "-"');
like($r->{body},
    qr{<a href="size\.bin">size\.bin</a>\s+\d\d-[A-Z][a-z]{2}-\d{4} \d\d:\d\d\s+12345\r\n},
    'a file: date and exact size');
unlike($r->{body}, qr/hidden/, 'a dot file is not listed');
ok(index($r->{body}, 'sub%3Cdir%3E/') < index($r->{body}, 'a%3Cb%3E.txt'),
    'directories come first');

# every link of the listing leads to that file
for my $name (@hostile) {
    my $f = get('/list/' . url_escape($name));
    is($f->{body}, "content of $name\n", "link to '$name' serves the file");
}
is(get('/list/sub%3Cdir%3E/')->{status}, 200, 'the sub directory is listed');

# HEAD: the header only
$r = parse_response($t->http_head('/list/'), method => 'HEAD');
is($r->{status}, 200, 'HEAD: 200');
is($r->{body}, '', 'HEAD: no body');

is(get('/withindex/')->{body}, "the index\n", 'an index file wins');
is(get('/closed/')->{status}, 403, 'autoindex off: 403');
is(get('/nothere/')->{status}, 404, 'a missing directory: 404');

# a URI with markup in it is escaped in the title
$t->write_file('html/t<i>/x', "x\n");
$r = get('/t%3Ci%3E/');
like($r->{body}, qr{<title>Index of /t&lt;i&gt;/</title>},
    'the URI is escaped in the title');

$t->check_error_log_clean;

done_testing;
