#!/usr/bin/perl
#
# 00-install.t - the installed tree (SPEC 2) and what configure writes.
#
# make test installs into objs/test-root and hands the prefix in
# HIVE_INSTALL_ROOT; the configure check runs in a copy of HIVE_SRC so
# that the real tree is never touched.

use strict;
use warnings;

use Test::More;
use File::Temp qw(tempdir);
use File::Find qw(find);
use File::Path qw(make_path);
use File::Copy qw(copy);
use Digest::MD5;

my $root = $ENV{HIVE_INSTALL_ROOT};
my $src = $ENV{HIVE_SRC};
my $builddir = $ENV{HIVE_BUILDDIR};

ok(defined $root && -d $root, 'HIVE_INSTALL_ROOT is an installed prefix')
    or BAIL_OUT('run through "make test" (HIVE_INSTALL_ROOT unset)');
ok(defined $src && -f "$src/configure", 'HIVE_SRC is the source tree')
    or BAIL_OUT('run through "make test" (HIVE_SRC unset)');

# the layout an nginx user expects
ok(-x "$root/sbin/hive", 'sbin/hive is installed and executable');
ok(-f "$root/conf/server.conf", 'conf/server.conf');
ok(-f "$root/conf/server.conf.default", 'conf/server.conf.default');
ok(-f "$root/conf/mime.types", 'conf/mime.types');
ok(-f "$root/html/index.html", 'html/index.html');
ok(-d "$root/logs", 'logs/');
like(slurp("$root/share/man/man8/hive.8") // '', qr/\A\.TH HIVE 8 /,
    'share/man/man8/hive.8 is the hive(8) man page');

my $version = `'$root/sbin/hive' -v 2>&1`;
is($?, 0, 'installed binary runs');
like($version, qr{^hive version: hive/\d+\.\d+\.\d+$}m, 'and says its version');

# the default configuration passes -t with the installed prefix
my $test = `'$root/sbin/hive' -p '$root/' -e stderr -t 2>&1`;
is($?, 0, 'the installed server.conf passes -t') or diag($test);

# --- configure writes only under the build directory ------------------

my $tmp = tempdir('hive-install-XXXXXX', TMPDIR => 1,
    CLEANUP => !$ENV{HIVE_TEST_LEAVE});
my $copy = "$tmp/src";

copy_tree($src, $copy);

my $before = snapshot($copy);
my $out = `cd '$copy' && sh ./configure --prefix='$tmp/prefix' 2>&1`;
is($?, 0, 'configure succeeds in a copy of the tree') or diag($out);
my $after = snapshot($copy);

my @outside = grep {
    !m{^objs/} && $_ ne 'Makefile'
        && (!exists $before->{$_} || $before->{$_} ne $after->{$_})
} sort keys %$after;
is_deeply(\@outside, [], 'configure wrote nothing outside objs/ and Makefile')
    or diag("written: @outside");

my @gone = grep { !exists $after->{$_} } sort keys %$before;
is_deeply(\@gone, [], 'configure removed nothing');

ok(-f "$copy/objs/$_", "configure wrote objs/$_")
    for qw(Makefile hive_config.h hive_modules.c hive_modules.h);

# with --builddir, the default objs/ is not created at all
$before = snapshot($copy);
$out = `cd '$copy' && rm -rf objs && sh ./configure --builddir=build2 2>&1`;
is($?, 0, 'configure --builddir=build2 succeeds') or diag($out);
ok(!-e "$copy/objs", '--builddir: no objs/');
ok(-f "$copy/build2/Makefile", '--builddir: build2/Makefile');

# --- make install keeps an existing server.conf ------------------------

SKIP: {
    ok(defined $builddir && -f "$builddir/Makefile",
        'HIVE_BUILDDIR holds the tested build')
        or skip('no HIVE_BUILDDIR', 3);

    my $dest = "$tmp/dest";
    my $prefix = $root;
    $prefix =~ s{^\Q$builddir\E/test-root}{};
    make_path("$dest$prefix/conf");
    open(my $fh, '>', "$dest$prefix/conf/server.conf") or die $!;
    print $fh "# mine\n";
    close($fh);

    $out = `cd '$src' && make -s -f '$builddir/Makefile' install \\
        DESTDIR='$dest' 2>&1`;
    is($?, 0, 'make install into a DESTDIR') or diag($out);
    is(slurp("$dest$prefix/conf/server.conf"), "# mine\n",
        'an existing server.conf is not overwritten');
    ok(-f "$dest$prefix/conf/server.conf.default",
        'server.conf.default is installed beside it');
}

done_testing();

###############################################################################

# Copies the source tree without its build products and VCS data.
sub copy_tree {
    my ($from, $to) = @_;

    make_path($to);
    find({ no_chdir => 1, wanted => sub {
        my $rel = substr($File::Find::name, length($from));
        $rel =~ s{^/}{};
        return if $rel eq '';

        if ($rel =~ m{^(objs|\.git|build\w*)(/|$)} || $rel eq 'Makefile') {
            $File::Find::prune = 1 if -d $File::Find::name;
            return;
        }

        if (-d $File::Find::name) {
            make_path("$to/$rel");
        } else {
            copy($File::Find::name, "$to/$rel") or die "copy $rel: $!";
            chmod((stat($File::Find::name))[2] & 07777, "$to/$rel");
        }
    } }, $from);
}

# path => md5 of every file under $dir
sub snapshot {
    my ($dir) = @_;
    my %files;

    find({ no_chdir => 1, wanted => sub {
        return unless -f $File::Find::name;
        my $rel = substr($File::Find::name, length($dir) + 1);
        open(my $fh, '<', $File::Find::name) or die "$rel: $!";
        binmode($fh);
        $files{$rel} = Digest::MD5->new->addfile($fh)->hexdigest;
        close($fh);
    } }, $dir);

    return \%files;
}

sub slurp {
    my ($path) = @_;
    open(my $fh, '<', $path) or return undef;
    local $/;
    my $s = <$fh>;
    close($fh);
    return $s;
}
