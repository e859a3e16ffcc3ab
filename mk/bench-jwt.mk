# make bench-jwt: the CPU cost of the App path (mbedTLS RS256 with the test App's key).
#   make bench-jwt        key load, App JWT signing and JWK verification, mean of
#                     JWT_BENCH_RUNS (200) each, with the release build's flags

JWT_BENCH_RUNS ?= 200

.PHONY: bench-jwt
bench-jwt: build/libgitopsbump.a
	@mkdir -p build/bench
	$(Q)$(CC) $(ALL_CFLAGS) -o build/bench/jwt_bench bench/jwt_bench.c build/libgitopsbump.a $(DEPLIBS)
	build/bench/jwt_bench $(JWT_BENCH_RUNS)
