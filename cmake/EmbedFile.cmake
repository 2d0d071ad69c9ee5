# cmake -DINPUT=<file> -DOUTPUT=<file.cc> -DSYMBOL=<name> -DNAMESPACE=<ns> -P EmbedFile.cmake
#
# Writes a C++ source that holds the bytes of INPUT:
#   namespace NAMESPACE { extern const unsigned char SYMBOL[]; extern const std::size_t SYMBOLSize; }
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR size "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "((0x[0-9a-f][0-9a-f],){16})" "\\1\n    " bytes "${bytes}")
file(WRITE "${OUTPUT}.tmp"
"// Generated from ${INPUT} by cmake/EmbedFile.cmake. Do not edit.
#include <cstddef>

namespace ${NAMESPACE} {
extern const unsigned char ${SYMBOL}[] = {
    ${bytes}};
extern const std::size_t ${SYMBOL}Size = ${size};
}  // namespace ${NAMESPACE}
")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
