# The real data the shell tests read (sourced, after SHARED is set). ctest passes the build's
# choice (IRREV_TEST_LFW, IRREV_TEST_LFW_IMAGES: scripts/test.sh picks $IRREV_LFW, else
# ../shared/datasets/lfw, else the checksummed public download); run by hand, SHARED's copy.
LFW="${IRREV_TEST_LFW:-$SHARED/datasets/lfw}"
LFW_IMAGES="${IRREV_TEST_LFW_IMAGES:-$LFW/lfw-deepfunneled}"
# --genders for an ingest where the copy has LFW's gender lists (the public download has none).
LFW_GENDERS=()
if [ -f "$LFW/male_names.txt" ] && [ -f "$LFW/female_names.txt" ]; then LFW_GENDERS=(--genders "$LFW"); fi

# need_genders: a test whose checks read the gender lists is skipped (exit 77, the tests' skip
# code) where the copy has none, and says so, instead of failing on missing data.
need_genders() {
  [ "${#LFW_GENDERS[@]}" -gt 0 ] && return 0
  echo "SKIP: this test reads LFW's gender lists (male_names.txt, female_names.txt), which $LFW does not hold" >&2
  exit 77
}
