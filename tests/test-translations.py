#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""po/: each language in LINGUAS passes `msgfmt --check`, with every
message the sources have now translated (a template made afresh with
xgettext, as meson's update-pot makes it) and none fuzzy; the buttons the
call window shows together have mnemonics (Alt+letter) of their own, in
English and in each language; and `blink --help` speaks German and French
from the build tree's .mo files (BLINK_LOCALEDIR). TAP output."""

import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.environ['BLINK_SOURCE_ROOT']
PO = os.path.join(ROOT, 'po')
BLINK = os.environ['BLINK']
# meson's i18n.gettext(preset: 'glib')
XGETTEXT_ARGS = ['--from-code=UTF-8', '--add-comments', '--keyword=_', '--keyword=N_',
                 '--keyword=C_:1c,2', '--keyword=NC_:1c,2', '--keyword=g_dcgettext:2',
                 '--keyword=g_dngettext:2,3', '--keyword=g_dpgettext2:2c,3']
# What each language's `blink --help` must say, from its .po.
HELP = {'de': 'Befehle (blinkd muss auf dem Sitzungsbus laufen):',
        'fr': 'Commandes (blinkd doit tourner sur le bus de session)\u00a0:'}

# Labels shown at once in the call window: two with the same mnemonic
# letter make Alt+letter move the focus between them instead of pressing
# either.
SHOWN_TOGETHER = [['_Decline', '_Answer'],
                  ['_Mute', 'D_eafen', '_Hang Up', 'They _Don’t Match', '_They Match']]


def languages():
    with open(os.path.join(PO, 'LINGUAS')) as f:
        return [w for line in f for w in line.split('#')[0].split()]


def make_template(tmp):
    pot = os.path.join(tmp, 'blink.pot')
    subprocess.run(['xgettext', *XGETTEXT_ARGS, '-D', ROOT, '-f',
                    os.path.join(PO, 'POTFILES.in'), '-o', pot],
                   check=True, capture_output=True, text=True)
    return pot


def check_po(lang, pot):
    po = os.path.join(PO, f'{lang}.po')
    result = subprocess.run(['msgfmt', '--check', '--statistics', '-o', os.devnull, po],
                            capture_output=True, text=True)
    if result.returncode != 0:
        return f'msgfmt --check: {result.stderr.strip()}'
    stats = result.stderr.strip()
    if 'untranslated' in stats or 'fuzzy' in stats or 'translated message' not in stats:
        return f'not complete: {stats}'
    result = subprocess.run(['msgcmp', po, pot], capture_output=True, text=True)
    if result.returncode != 0:
        return f'messages of the sources missing from {lang}.po (msgmerge it):\n' + \
            result.stderr.strip()
    return None, stats


def mnemonic(label):
    m = re.search(r'_(.)', label)
    return m.group(1).casefold() if m else None


def check_mnemonics(lang):
    """Each group of SHOWN_TOGETHER with distinct mnemonics, in English
    (lang None) or in @lang's translations."""
    with open(POT) as f:
        sources = set(re.findall(r'^msgid "(.*)"$', f.read(), re.M))
    for msgid in (msgid for group in SHOWN_TOGETHER for msgid in group):
        if msgid not in sources:
            return f'“{msgid}” is no label of the sources: SHOWN_TOGETHER is out of date'
    translated = {}
    if lang:
        with open(os.path.join(PO, f'{lang}.po')) as f:
            translated = dict(re.findall(r'^msgid "(.*)"\nmsgstr "(.+)"$', f.read(), re.M))
    shown = []
    for group in SHOWN_TOGETHER:
        labels = [translated.get(msgid, msgid) for msgid in group]
        letters = [mnemonic(label) for label in labels]
        for label, letter in zip(labels, letters):
            if letter is None or letters.count(letter) > 1:
                return f'“{label}” shares its mnemonic, or has none, among {labels}'
        shown.append(' '.join(f'Alt+{letter.upper()}' for letter in letters))
    return None, ', '.join(shown)


def check_help(lang):
    env = dict(os.environ, LANGUAGE=lang, LC_ALL='C.UTF-8')
    result = subprocess.run([BLINK, '--help'], env=env, capture_output=True, text=True,
                            timeout=20)
    if HELP[lang] not in result.stdout:
        return f'LANGUAGE={lang} blink --help printed:\n{result.stdout[:600]}'
    return None, HELP[lang]


def main():
    langs = languages()
    tests = [(f'po/{lang}', lambda lang=lang: check_po(lang, POT)) for lang in langs]
    tests += [(f'mnemonics/{lang or "en"}', lambda lang=lang: check_mnemonics(lang))
              for lang in [None, *langs]]
    tests += [(f'help/{lang}', lambda lang=lang: check_help(lang)) for lang in HELP]
    print(f'1..{len(tests)}', flush=True)
    if shutil.which('xgettext') is None or shutil.which('msgfmt') is None:
        for i, (name, _) in enumerate(tests, 1):
            print(f'ok {i} /blink/translations/{name} # SKIP no gettext (Debian package gettext)')
        return 0
    failed = 0
    for i, (name, test) in enumerate(tests, 1):
        outcome = test()
        if isinstance(outcome, tuple):
            print(f'ok {i} /blink/translations/{name} # {outcome[1]}', flush=True)
        else:
            failed += 1
            print(f'not ok {i} /blink/translations/{name}', flush=True)
            for line in outcome.splitlines():
                print(f'# {line}', flush=True)
    return 1 if failed else 0


if __name__ == '__main__':
    with tempfile.TemporaryDirectory(prefix='blink-test-translations-') as tmp:
        POT = make_template(tmp)
        sys.exit(main())
