# bench/core_libs.sh: sourced by the benchmark scripts that link a program against
# libnewsd_core.a; core_libs prints the libraries the core needs (CMakeLists.txt's list).
core_libs() {
    pkg-config --libs libcurl libxml-2.0 libzmq libconfig jansson sqlite3 libutf8proc \
        libxxhash libsystemd libpcre2-8 libmicrohttpd libnats
}
