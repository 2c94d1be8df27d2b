#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what is missing, builds, runs every test.
#
#   tools/test.sh            everything (what CI runs, through .ci/run)
#   tools/test.sh --quick    the edit-test loop: the format, volume, ZEST, CAS and checker cores
#                            and one end-to-end test per tool (a few minutes; CI still runs all)
#
# Other arguments go to `swift test` (e.g. --filter CorpusTests).
set -euo pipefail
cd "$(dirname "$0")/.."

# The quick tier, as `swift test --filter` patterns. Left out: the model tests (thousands
# of random operations), every finding code's repair (FindingCodeTests, two minutes), the
# corpus replays, the byte-flip sweeps, random damage, the crash and lock harnesses, and the
# other end-to-end tests.
quick_tier=(
  'ArdakuFormatTests\.'
  'ArdakuVolumeTests\.(VolumeBasicsTests|VolumeFileByteStoreTests)'
  'ArdakuIOTests\.'
  'ArdakuZestTests\.(FormatTests|VolumeTests)'
  'ArdakuCASTests\.(ObjectFormatTests|PackTests|CheckerTests|HeaderDamageTests)'
  'ArdakuCheckTests\.(NestedCheckerTests|NameRulesTests|DocumentationTests|ReadmeLayoutTests|SectionReferenceTests|OffsetLiteralTests)'
  'EndToEndTests\.MkfsTests/reproducibleWithUUIDAndSourceDateEpoch'
  'EndToEndTests\.ArdakuToolTests/putGetListStatRemoveMove'
  'EndToEndTests\.ZestToolTests/standaloneFile'
  'EndToEndTests\.CASToolTests/standaloneSnapshotsRestoreTagAndCollect'
  'FsckEndToEndTests\.FsckBinaryTests/jsonReportParses'
  'ArdakuDumpTests\.CLITests/summaryOnStdoutBannerOnStderr'
  'EndToEndTests\.ManualPageTests'
)

filters=()
if [ "${1:-}" = "--quick" ]; then
  shift
  pattern="$(IFS='|'; echo "${quick_tier[*]}")"
  filters=(--filter "$pattern")
fi

tools/setup.sh
swift build --build-tests
# Swift Testing only: its closing line counts every test that ran.
swift test --skip-build --disable-xctest ${filters[@]+"${filters[@]}"} "$@"
