#!/usr/bin/perl
#
# 09-contrib.t - contrib/hive.service and contrib/logrotate.d/hive name the
# paths the default build installs, and the unit passes systemd-analyze
# verify where systemd is installed.

use strict;
use warnings;

use Test::More;
use File::Temp qw(tempdir);

my $src = $ENV{HIVE_SRC} // '.';
my $root = $ENV{HIVE_INSTALL_ROOT};

my $unit = slurp("$src/contrib/hive.service");
ok(defined $unit, 'contrib/hive.service exists')
    or BAIL_OUT('no contrib/hive.service');

my %kv;
for my $line (split /\n/, $unit) {
    next if $line =~ /^\s*(#|$|\[)/;
    my ($k, $v) = $line =~ /^(\w+)=(.*)$/ or next;
    $kv{$k} = $v;
}

is($kv{Type}, 'forking', 'Type=forking: the master daemonizes');
is($kv{PIDFile}, '/usr/local/hive/logs/hive.pid',
    'PIDFile is the default pid path');
is($kv{ExecStartPre}, '/usr/local/hive/sbin/hive -t -q',
    'ExecStartPre tests the configuration');
is($kv{ExecReload}, '/usr/local/hive/sbin/hive -s reload',
    'ExecReload is -s reload');
is($kv{ExecStop}, '/usr/local/hive/sbin/hive -s quit', 'ExecStop is -s quit');
is($kv{KillSignal}, 'SIGQUIT', 'what systemd sends after ExecStop is QUIT');
like($kv{After} // '', qr/\bnetwork-online\.target\b/,
    'started after network-online.target');

SKIP: {
    my $sa = `command -v systemd-analyze 2>/dev/null`;
    chomp $sa;
    skip('no systemd-analyze', 1) if $sa eq '';
    skip('run through "make test" (HIVE_INSTALL_ROOT unset)', 1)
        unless defined $root;

    # point the unit at the tested install so every Exec path exists
    my $tmp = tempdir('hive-contrib-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    (my $copy = $unit) =~ s{/usr/local/hive}{$root}g;
    open(my $fh, '>', "$tmp/hive.service") or die $!;
    print $fh $copy;
    close($fh);

    my $out = `'$sa' verify --man=no '$tmp/hive.service' 2>&1`;
    is($?, 0, 'systemd-analyze verify accepts the unit') or diag($out);
}

my $lr = slurp("$src/contrib/logrotate.d/hive");
ok(defined $lr, 'contrib/logrotate.d/hive exists');
$lr //= '';
like($lr, qr{^/usr/local/hive/logs/\*\.log \{$}m, 'it rotates logs/*.log');
for my $kw (qw(daily compress delaycompress missingok notifempty
    sharedscripts))
{
    like($lr, qr/^\s+\Q$kw\E$/m, "logrotate: $kw");
}
like($lr, qr/^\s+rotate \d+$/m, 'logrotate: rotate N');
my $reopen = 'kill -USR1 `cat /usr/local/hive/logs/hive.pid`';
like($lr, qr{postrotate\n(?s:.*)\Q$reopen\E(?s:.*)endscript},
    'postrotate sends USR1 to the master (reopen)');

done_testing();

sub slurp {
    my ($path) = @_;
    open(my $fh, '<', $path) or return undef;
    local $/;
    my $s = <$fh>;
    close($fh);
    return $s;
}
