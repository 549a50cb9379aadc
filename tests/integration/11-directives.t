#!/usr/bin/perl
#
# 11-directives.t - the configuration reference cannot drift: "hive
# --directives" lists exactly the directives of the command tables in the
# source (of every module the build has), each with a default, and
# README's generated section (make docs) is the binary's Markdown output.

use strict;
use warnings;

use Test::More;
use File::Find;
use Hive::Test;

my $t = Hive::Test->new;
my $src = $ENV{HIVE_SRC} // '.';

# --- the binary's reference ---------------------------------------------

my ($code, $out) = $t->run_cmd('--directives');
is($code, 0, '--directives exits 0') or diag($out);
my @lines = split /\n/, $out;
like(shift(@lines) // '', qr/^directive\s+context\s+arguments\s+default\s+module$/,
    'plain text: a header line');

my (%plain, %modules);
for my $line (@lines) {
    my ($name, $module) = $line =~ /^(\S+)\s.*\s(\S+)$/ or next;
    $plain{$name} = $line;
    $modules{$module} = 1;
}
ok(exists $plain{$_}, "--directives lists \"$_\"")
    for qw(include worker_processes events worker_connections http server
    location listen root);
ok(!grep({ /\s\?\s/ } values %plain), 'every directive has a default')
    or diag(join "\n", grep { /\s\?\s/ } values %plain);
like($plain{worker_connections} // '',
    qr/^worker_connections\s+events\s+1\s+1024\s+epoll$/,
    'plain text: context, arguments, default, module');
like($plain{location} // '',
    qr/^location\s+server, location\s+1-2 \{ \}\s+\S/,
    'plain text: a block that takes arguments');
like($plain{sendfile} // '', qr/^sendfile\s+http, server, location\s+on\/off\s+off\s/,
    'plain text: a flag');

($code, $out) = $t->run_cmd('--directives=markdown');
is($code, 0, '--directives=markdown exits 0');
my $markdown = $out;
my @md = split /\n/, $markdown;
is($md[0], '| directive | context | arguments | default | module |',
    'markdown: the header row');
my %md = map { /^\| `([^`]+)` \|/ ? ($1 => $_) : () } @md;
is_deeply([sort keys %md], [sort keys %plain],
    'markdown and plain text list the same directives');
is($md{worker_processes}, '| `worker_processes` | main | 1 | `1` | core |',
    'markdown: a row');
is($md{alias}, '| `alias` | location | 1 | — | http_core |',
    'markdown: no default is "—"');

# --- the source's command tables --------------------------------------------

# "hv_command_t NAME[] = { ... };" tables and the module that owns each
# (".name" and ".commands" of its hv_module_t).
my (%source, %owner);
find({ no_chdir => 1, wanted => sub {
    return unless /\.c$/;
    open(my $fh, '<', $_) or return;
    my $text = do { local $/; <$fh> };
    while ($text =~ /const hv_module_t \w+ = \{(.*?)\n\};/sg) {
        my $body = $1;
        my ($name) = $body =~ /\.name = "(\w+)"/;
        my ($table) = $body =~ /\.commands = (\w+)/;
        $owner{$table} = $name if defined $name && defined $table;
    }
    while ($text =~ /hv_command_t (\w+)\[\] = \{(.*?)\n\};/sg) {
        my ($table, $body) = ($1, $2);
        push @{$source{$table}}, $body =~ /\{\s*"(\w+)",/g;
    }
} }, map { "$src/$_" } qw(core event http modules));

my %expected = (include => 1);
my $tables = 0;
for my $table (keys %source) {
    my $module = $owner{$table};
    ok(defined $module, "table $table belongs to a module") or next;
    $tables++;
    next unless $modules{$module};    # a module this build left out
    $expected{$_} = 1 for @{$source{$table}};
}
cmp_ok($tables, '>=', 10, "found the command tables ($tables)");
is_deeply([sort keys %plain], [sort keys %expected],
    'the binary lists exactly the directives of the source tables');

# --- README's generated section ---------------------------------------------

my $readme = do {
    open(my $fh, '<', "$src/README.md") or die "README.md: $!";
    local $/;
    <$fh>;
};
my ($section) = $readme
    =~ /^<!-- directives:begin -->\n(.*?)^<!-- directives:end -->$/ms;
ok(defined $section, 'README has the directives markers');
$section //= '';

# rows of modules this build has must be exactly the binary's; rows of
# modules left out (a --without build) are not checked
my @readme_rows = grep { my ($m) = /\| (\w+) \|$/; $m && $modules{$m} }
    grep { /^\| `/ } split /\n/, $section;
my @bin_rows = grep { /^\| `/ } @md;
SKIP: {
    # only until the coordinator first runs "make docs" on the markers
    skip('README\'s directive section is empty: run "make docs"', 2)
        if $section eq '';
    is_deeply(\@readme_rows, \@bin_rows,
        'README\'s reference is the binary\'s (run "make docs")');
    like($section, qr/\A\| directive \| context \|/,
        'README: the header row');
}

# make docs: auto/docs writes that section into a copy of README
my $copy = $t->testdir . '/README.md';
open(my $fh, '>', $copy) or die "$copy: $!";
print $fh "intro\n<!-- directives:begin -->\nstale\n<!-- directives:end -->\n"
    . "outro\n";
close($fh);
my $docs = `sh $src/auto/docs $t->{bin} $copy 2>&1`;
is($?, 0, 'auto/docs exits 0') or diag($docs);
is($t->read_file('README.md'),
    "intro\n<!-- directives:begin -->\n$markdown<!-- directives:end -->\n"
    . "outro\n", 'auto/docs replaces the section with the binary\'s table');

# --- bad long options -------------------------------------------------------

($code, $out) = $t->run_cmd('--directivez');
is($code, 1, '--directivez exits 1');
is($out, "hive: invalid option: \"--directivez\"\n",
    '--directivez: one clear line');
($code, $out) = $t->run_cmd('--directives=html');
is($code, 1, '--directives=html exits 1');
like($out, qr/^hive: invalid option: "--directives=html"$/m,
    '--directives=html: named');
($code, $out) = $t->run_cmd('-h');
like($out, qr/^  --directives\[=markdown\] /m, '-h mentions --directives');

$t->check_error_log_clean;
done_testing();
