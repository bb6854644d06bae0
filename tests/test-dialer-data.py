#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""blink-dialer's desktop files, checked by the tools that read them:
desktop-file-validate, appstreamcli and glib-compile-schemas --strict.
TAP output; a missing tool skips its check and says which package has it."""

import os
import shutil
import subprocess
import sys
import tempfile

SOURCE = os.environ['BLINK_SOURCE_DATA']
BUILD = os.environ['BLINK_BUILD_DATA']

CHECKS = [
    ('desktop-file', 'desktop-file-validate', 'desktop-file-utils',
     lambda tool, tmp: [tool, os.path.join(BUILD, 'im.blink.Dialer.desktop')]),
    ('metainfo', 'appstreamcli', 'appstream',
     lambda tool, tmp: [tool, 'validate', '--no-net', '--explain',
                        os.path.join(BUILD, 'im.blink.Dialer.metainfo.xml')]),
    ('gschema', 'glib-compile-schemas', 'libglib2.0-bin',
     lambda tool, tmp: [tool, '--strict', '--targetdir', tmp, SOURCE]),
]


def main():
    print(f'1..{len(CHECKS) + 1}', flush=True)
    failed = 0
    for i, (name, tool, package, argv) in enumerate(CHECKS, 1):
        path = shutil.which(tool)
        if path is None:
            print(f'ok {i} /blink/dialer-data/{name} # SKIP no {tool} (Debian package {package})')
            continue
        with tempfile.TemporaryDirectory() as tmp:
            result = subprocess.run(argv(path, tmp), capture_output=True, text=True)
        if result.returncode == 0:
            print(f'ok {i} /blink/dialer-data/{name}', flush=True)
        else:
            failed += 1
            print(f'not ok {i} /blink/dialer-data/{name}', flush=True)
            for line in (result.stdout + result.stderr).splitlines():
                print(f'# {line}', flush=True)
    # The icons: both there, and SVG a renderer reads.
    i = len(CHECKS) + 1
    icons = [os.path.join(SOURCE, 'icons', 'hicolor', 'scalable', 'apps', 'im.blink.Dialer.svg'),
             os.path.join(SOURCE, 'icons', 'hicolor', 'symbolic', 'apps',
                          'im.blink.Dialer-symbolic.svg')]
    bad = [p for p in icons if not os.path.exists(p) or '<svg' not in open(p).read()]
    if bad:
        failed += 1
        print(f'not ok {i} /blink/dialer-data/icons\n# missing or not SVG: {bad}', flush=True)
    else:
        print(f'ok {i} /blink/dialer-data/icons', flush=True)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
