# Writes a C++ source defining `const char* const NAME` holding the text of file IN (used
# for data compiled into the binary: vocabularies/uat-terms.tsv).  -DIN= -DOUT= -DNAME=
file(READ ${IN} content)
file(WRITE ${OUT} "// generated from ${IN} by rd/embed_text.cmake; do not edit\n"
  "namespace meles::rd::registry {\nextern const char* const ${NAME};\n"
  "const char* const ${NAME} = R\"meles_embed(${content})meles_embed\";\n}\n")
