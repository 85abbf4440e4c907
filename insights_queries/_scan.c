/*
 * insights_queries._scan: read the top-level fields a query needs from a block of JSON lines.
 *
 * Why: a full-scan `stats` spends most of its time calling a decoder once per line and splitting
 * blocks into lines. scan_lines() walks a whole block in C: it finds each line, checks that the
 * line is one JSON object, and returns one column (a list) per wanted key. It reads only what is
 * plainly the same in every decoder, and reports every other line as "bad" (its byte span) so
 * the caller reads it the default way, in its place. A line is bad when it is empty, is not
 * exactly one JSON object (RFC 8259 grammar; trailing blanks allowed), holds a byte >= 0x80, a
 * backslash or a raw control character in a string, nests deeper than MAX_DEPTH, or when a
 * number has more than 32 characters or a three-digit exponent, or when a wanted key appears
 * twice or holds an object, an array, an integer beyond int64 or a float that is not finite.
 *
 * With needles, only the lines that hold one of them are read (and counted) at all: the byte
 * prefilter of a query's leading filters (insights_queries.prefilter), applied in the same pass,
 * so a selective filter costs a byte search over the block plus the reading of its candidates.
 *
 * Grammar: https://www.rfc-editor.org/rfc/rfc8259 (sections 2-7).
 */
#define _GNU_SOURCE /* memmem */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define MAX_DEPTH 64
#define MAX_KEYS 32
#define MAX_NEEDLES 32
#define MAX_NUMBER 32
#define CACHE_SIZE 32
#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

typedef struct {
    Py_ssize_t len;
    const char *text; /* points into the block: valid for the call */
    PyObject *value;  /* a new reference, owned by the cache */
} Cached;

typedef struct {
    Cached items[CACHE_SIZE];
    int used;
    int next;
} Cache;

static uint64_t load8(const char *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* Whether any byte of v is a quote, a backslash, below 0x20 or above 0x7f. */
static int special8(uint64_t v) {
    uint64_t q = v ^ (ONES * '"');
    uint64_t b = v ^ (ONES * '\\');
    uint64_t found = ((q - ONES) & ~q) | ((b - ONES) & ~b) | ((v - ONES * 0x20) & ~v) | v;
    return (found & HIGHS) != 0;
}

/* *pp at the opening quote; on success, *pp just after the closing quote. */
static int scan_string(const char **pp, const char *end) {
    const char *p = *pp + 1;
    for (;;) {
#ifdef __SSE2__
        /* 16 bytes at a time: a quote, a backslash, or (signed) below 0x20, which is also
         * every byte >= 0x80 */
        const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
        const __m128i space = _mm_set1_epi8(0x20);
        while (end - p >= 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)p);
            __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                                       _mm_cmplt_epi8(v, space));
            int mask = _mm_movemask_epi8(hit);
            if (mask) {
                p += __builtin_ctz((unsigned)mask);
                break;
            }
            p += 16;
        }
#endif
        while (end - p >= 8 && !special8(load8(p)))
            p += 8;
        if (p >= end)
            return 0;
        unsigned char c = (unsigned char)*p;
        if (c == '"') {
            *pp = p + 1;
            return 1;
        }
        if (c == '\\' || c < 0x20 || c >= 0x80)
            return 0;
        p++;
    }
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

/* A number (RFC 8259 section 6); sets *is_int and the digits of the exponent. Numbers longer
 * than MAX_NUMBER characters or with an exponent of more than two digits are left to the
 * default reader, wherever they are: decoders differ on what they make of them. */
static int scan_number(const char **pp, const char *end, int *is_int, int *exp_digits) {
    const char *p = *pp;
    const char *first = p;
    *is_int = 1;
    *exp_digits = 0;
    if (p < end && *p == '-')
        p++;
    if (p >= end)
        return 0;
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        while (p < end && is_digit(*p))
            p++;
    } else {
        return 0;
    }
    if (p < end && *p == '.') {
        *is_int = 0;
        p++;
        if (p >= end || !is_digit(*p))
            return 0;
        while (p < end && is_digit(*p))
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        *is_int = 0;
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (p >= end || !is_digit(*p))
            return 0;
        while (p < end && is_digit(*p)) {
            p++;
            (*exp_digits)++;
        }
    }
    if (*exp_digits > 2 || p - first > MAX_NUMBER)
        return 0;
    *pp = p;
    return 1;
}

static void skip_blanks(const char **pp, const char *end) {
    const char *p = *pp;
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
        p++;
    *pp = p;
}

static int scan_literal(const char **pp, const char *end, const char *word, Py_ssize_t n) {
    if (end - *pp < n || memcmp(*pp, word, (size_t)n) != 0)
        return 0;
    *pp += n;
    return 1;
}

static int scan_value(const char **pp, const char *end, int depth);

static int scan_container(const char **pp, const char *end, int depth) {
    const char *p = *pp;
    char open = *p;
    char close = open == '{' ? '}' : ']';
    if (depth >= MAX_DEPTH)
        return 0;
    p++;
    skip_blanks(&p, end);
    if (p < end && *p == close) {
        *pp = p + 1;
        return 1;
    }
    for (;;) {
        if (open == '{') {
            if (p >= end || *p != '"' || !scan_string(&p, end))
                return 0;
            skip_blanks(&p, end);
            if (p >= end || *p != ':')
                return 0;
            p++;
            skip_blanks(&p, end);
        }
        if (!scan_value(&p, end, depth + 1))
            return 0;
        skip_blanks(&p, end);
        if (p >= end)
            return 0;
        if (*p == close) {
            *pp = p + 1;
            return 1;
        }
        if (*p != ',')
            return 0;
        p++;
        skip_blanks(&p, end);
    }
}

static int scan_value(const char **pp, const char *end, int depth) {
    int is_int, exp_digits;
    if (*pp >= end)
        return 0;
    switch (**pp) {
    case '"':
        return scan_string(pp, end);
    case '{':
    case '[':
        return scan_container(pp, end, depth);
    case 't':
        return scan_literal(pp, end, "true", 4);
    case 'f':
        return scan_literal(pp, end, "false", 5);
    case 'n':
        return scan_literal(pp, end, "null", 4);
    default:
        return scan_number(pp, end, &is_int, &exp_digits);
    }
}

static PyObject *cached_text(Cache *cache, const char *text, Py_ssize_t len) {
    for (int i = 0; i < cache->used; i++) {
        Cached *item = &cache->items[i];
        if (item->len == len && memcmp(item->text, text, (size_t)len) == 0) {
            Py_INCREF(item->value);
            return item->value;
        }
    }
    PyObject *value = PyUnicode_DecodeASCII(text, len, NULL);
    if (value == NULL)
        return NULL;
    Cached *slot;
    if (cache->used < CACHE_SIZE) {
        slot = &cache->items[cache->used++];
    } else {
        slot = &cache->items[cache->next];
        cache->next = (cache->next + 1) % CACHE_SIZE;
        Py_DECREF(slot->value);
    }
    slot->len = len;
    slot->text = text;
    slot->value = value;
    Py_INCREF(value);
    return value;
}

/* Integers read lately, by their low bits: a run of durations is a few hundred distinct values,
 * and sharing their objects saves an allocation per line. Kept across calls (the GIL guards
 * it); it holds at most INT_CACHE_SIZE small objects. */
#define INT_CACHE_SIZE 1024
static struct {
    long long value;
    PyObject *object;
} int_cache[INT_CACHE_SIZE];

static PyObject *cached_int(long long value) {
    size_t slot = (size_t)((unsigned long long)value % INT_CACHE_SIZE);
    if (int_cache[slot].object != NULL && int_cache[slot].value == value) {
        Py_INCREF(int_cache[slot].object);
        return int_cache[slot].object;
    }
    PyObject *object = PyLong_FromLongLong(value);
    if (object == NULL)
        return NULL;
    Py_XDECREF(int_cache[slot].object);
    Py_INCREF(object);
    int_cache[slot].value = value;
    int_cache[slot].object = object;
    return object;
}

/* An integer's digits as int64, or 0 when beyond it. */
static int parse_int64(const char *p, const char *end, long long *out) {
    int negative = 0;
    unsigned long long limit, value = 0;
    if (*p == '-') {
        negative = 1;
        p++;
    }
    limit = negative ? 9223372036854775808ULL : 9223372036854775807ULL;
    for (; p < end; p++) {
        unsigned digit = (unsigned)(*p - '0');
        if (value > (limit - digit) / 10)
            return 0;
        value = value * 10 + digit;
    }
    *out = negative ? (long long)(0 - value) : (long long)value;
    return 1;
}

/* The Python value of a wanted key's value at *pp: a new reference, Py_None for "bad" (with no
 * error set), NULL on a Python error. */
static PyObject *read_value(const char **pp, const char *end, Cache *cache, int *bad) {
    const char *start = *pp;
    int is_int, exp_digits;
    *bad = 0;
    if (start >= end) {
        *bad = 1;
        return NULL;
    }
    switch (*start) {
    case '"':
        if (!scan_string(pp, end))
            break;
        return cached_text(cache, start + 1, (*pp - start) - 2);
    case 't':
        if (!scan_literal(pp, end, "true", 4))
            break;
        Py_RETURN_TRUE;
    case 'f':
        if (!scan_literal(pp, end, "false", 5))
            break;
        Py_RETURN_FALSE;
    case 'n':
        if (!scan_literal(pp, end, "null", 4))
            break;
        Py_RETURN_NONE;
    case '{':
    case '[':
        break; /* a container: the default reader builds it */
    default: {
        if (!scan_number(pp, end, &is_int, &exp_digits))
            break;
        if (is_int) {
            long long value;
            if (!parse_int64(start, *pp, &value))
                break;
            return cached_int(value);
        }
        char buffer[64];
        Py_ssize_t len = *pp - start;
        if (len >= (Py_ssize_t)sizeof(buffer))
            break;
        memcpy(buffer, start, (size_t)len);
        buffer[len] = '\0';
        double value = PyOS_string_to_double(buffer, NULL, NULL);
        if (value == -1.0 && PyErr_Occurred())
            return NULL;
        if (!isfinite(value))
            break;
        return PyFloat_FromDouble(value);
    }
    }
    *bad = 1;
    return NULL;
}

/* The kinds of value a column holds, or-ed into a mask per column (see scan_lines). */
#define KIND_NONE 1
#define KIND_BOOL 2
#define KIND_INT 4
#define KIND_FLOAT 8
#define KIND_STR 16

static long kind_of(PyObject *value) {
    if (value == Py_None)
        return KIND_NONE;
    if (value == Py_True || value == Py_False)
        return KIND_BOOL;
    if (PyLong_CheckExact(value))
        return KIND_INT;
    if (PyFloat_CheckExact(value))
        return KIND_FLOAT;
    return KIND_STR;
}

typedef struct {
    Py_ssize_t count;
    const char *names[MAX_KEYS];
    Py_ssize_t lengths[MAX_KEYS];
} Keys;

/* One line: 1 read (values[] filled with new references), 0 bad, -1 Python error. */
static int scan_line(const char *p, const char *end, const Keys *keys, Cache *caches,
                     PyObject **values) {
    Py_ssize_t found = 0;
    int result = 0;
    for (Py_ssize_t k = 0; k < keys->count; k++)
        values[k] = NULL;
    if (p >= end || *p != '{')
        return 0;
    p++;
    skip_blanks(&p, end);
    if (p < end && *p == '}') {
        p++;
        goto done;
    }
    for (;;) {
        const char *key = p;
        if (p >= end || *p != '"' || !scan_string(&p, end))
            goto fail;
        Py_ssize_t key_len = (p - key) - 2;
        skip_blanks(&p, end);
        if (p >= end || *p != ':')
            goto fail;
        p++;
        skip_blanks(&p, end);
        Py_ssize_t wanted = -1;
        for (Py_ssize_t k = 0; k < keys->count; k++) {
            if (keys->lengths[k] == key_len && memcmp(keys->names[k], key + 1, (size_t)key_len) == 0) {
                wanted = k;
                break;
            }
        }
        if (wanted >= 0) {
            int bad;
            if (values[wanted] != NULL)
                goto fail; /* a wanted key twice: decoders differ on which wins */
            PyObject *value = read_value(&p, end, &caches[wanted], &bad);
            if (value == NULL) {
                if (bad)
                    goto fail;
                result = -1;
                goto fail;
            }
            values[wanted] = value;
            found++;
        } else if (!scan_value(&p, end, 1)) {
            goto fail;
        }
        skip_blanks(&p, end);
        if (p >= end)
            goto fail;
        if (*p == '}') {
            p++;
            break;
        }
        if (*p != ',')
            goto fail;
        p++;
        skip_blanks(&p, end);
    }
done:
    skip_blanks(&p, end);
    if (p != end)
        goto fail;
    for (Py_ssize_t k = 0; k < keys->count; k++) {
        if (values[k] == NULL) {
            Py_INCREF(Py_None);
            values[k] = Py_None;
        }
    }
    (void)found;
    return 1;
fail:
    for (Py_ssize_t k = 0; k < keys->count; k++)
        Py_CLEAR(values[k]);
    return result;
}

typedef struct {
    Py_ssize_t count;
    const char *text[MAX_NEEDLES];
    Py_ssize_t len[MAX_NEEDLES];
    Py_ssize_t anchor[MAX_NEEDLES]; /* the offset of its rarest byte (see commonness) */
    const char *next[MAX_NEEDLES]; /* the needle's first place at or after the last search */
} Needles;

/* How common a byte is in JSON log lines, lower is rarer: the byte a needle is searched by. Quotes,
 * colons and commas are in every field, lower case and digits in most values; upper case, other
 * punctuation and escapes are rare. */
static int commonness(unsigned char c) {
    if (c == '"' || c == ':' || c == ',')
        return 5;
    if (c == ' ')
        return 4;
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
        return 3;
    if (c >= 'A' && c <= 'Z')
        return 1;
    if (c < 0x20 || c >= 0x7f || c == '\\')
        return 0;
    return 2;
}

/* The first place of needle in [p, stop), or NULL: memchr for its rarest byte (at offset
 * anchor), then a compare of the whole needle around it. The needle ESCAPE stands for a JSON
 * escape that could spell another needle differently: a backslash followed by u or / (as the
 * Python search, insights_queries.sources._candidate_lines, reads it). */
static const char *find_bytes(const char *p, const char *stop, const char *needle, Py_ssize_t len,
                              Py_ssize_t anchor) {
    int escape = len == 2 && needle[0] == '\\' && needle[1] == 'u';
    if (!escape && len >= 4 && commonness((unsigned char)needle[anchor]) >= 2 && stop > p) {
        /* no rare byte to jump to (an ID of lower case, digits and dashes): glibc's memmem
         * skips ahead by whole needle lengths, about twice as fast as a memchr per dash */
        return memmem(p, (size_t)(stop - p), needle, (size_t)len);
    }
    char rare = needle[anchor];
    const char *q = p + anchor; /* where the anchor byte of a match at p would be */
    const char *last = stop - (len - anchor); /* the anchor of a match ending at stop */
    while (q <= last) {
        const char *hit = memchr(q, rare, (size_t)(last - q + 1));
        if (hit == NULL)
            return NULL;
        if (escape ? hit + 1 < stop && (hit[1] == 'u' || hit[1] == '/')
                   : memcmp(hit - anchor, needle, (size_t)len) == 0)
            return hit - anchor;
        q = hit + 1;
    }
    return NULL;
}

/* The start of the first line at or after p (a line start) holding a needle, or stop. Each
 * needle is searched again only once p has passed its last place, so a block costs about one
 * byte search per needle, not one per line. */
static const char *next_candidate(Needles *needles, const char *p, const char *stop) {
    const char *best = stop;
    for (Py_ssize_t i = 0; i < needles->count; i++) {
        if (needles->next[i] == NULL || needles->next[i] < p) { /* NULL: not searched yet */
            const char *hit =
                find_bytes(p, stop, needles->text[i], needles->len[i], needles->anchor[i]);
            needles->next[i] = hit ? hit : stop;
        }
        if (needles->next[i] < best)
            best = needles->next[i];
    }
    while (best > p && best < stop && best[-1] != '\n')
        best--; /* back to the start of the line it is in */
    return best;
}

PyDoc_STRVAR(line_spans_doc,
             "line_spans(data, start, end, needles) -> [(line_start, line_end), ...]\n\n"
             "The lines of data[start:end] that hold one of needles (non-empty bytes; b'\\\\u'\n"
             "stands for a backslash followed by u or /), in order, each once: line_end is the\n"
             "offset of its newline, or end for a last line without one. start must be a line\n"
             "start. The byte search of a selective query (a correlation ID) without reading\n"
             "any line: insights_queries.sources._candidate_lines in C.");

static int parse_needles(PyObject *needle_tuple, Needles *needles) {
    memset(needles, 0, sizeof(*needles));
    needles->count = needle_tuple ? PyTuple_GET_SIZE(needle_tuple) : 0;
    if (needles->count > MAX_NEEDLES) {
        PyErr_Format(PyExc_ValueError, "at most %d needles can be searched", MAX_NEEDLES);
        return 0;
    }
    for (Py_ssize_t i = 0; i < needles->count; i++) {
        PyObject *needle = PyTuple_GET_ITEM(needle_tuple, i);
        if (!PyBytes_Check(needle) || PyBytes_GET_SIZE(needle) == 0) {
            PyErr_SetString(PyExc_TypeError, "needles must be non-empty bytes");
            return 0;
        }
        needles->text[i] = PyBytes_AS_STRING(needle);
        needles->len[i] = PyBytes_GET_SIZE(needle);
        for (Py_ssize_t j = 1; j < needles->len[i]; j++)
            if (commonness((unsigned char)needles->text[i][j]) <
                commonness((unsigned char)needles->text[i][needles->anchor[i]]))
                needles->anchor[i] = j;
    }
    return 1;
}

static PyObject *line_spans(PyObject *self, PyObject *args) {
    Py_buffer buffer;
    Py_ssize_t start, end;
    PyObject *needle_tuple, *spans = NULL;
    Needles needles;
    (void)self;
    if (!PyArg_ParseTuple(args, "y*nnO!", &buffer, &start, &end, &PyTuple_Type, &needle_tuple))
        return NULL;
    if (start < 0 || end > buffer.len || start > end) {
        PyErr_SetString(PyExc_ValueError, "line_spans: start and end must lie within data");
        goto done;
    }
    if (!parse_needles(needle_tuple, &needles))
        goto done;
    spans = PyList_New(0);
    if (spans == NULL || needles.count == 0)
        goto done;
    const char *base = (const char *)buffer.buf;
    const char *p = base + start, *stop = base + end;
    while (p < stop) {
        p = next_candidate(&needles, p, stop);
        if (p >= stop)
            break;
        const char *newline = memchr(p, '\n', (size_t)(stop - p));
        const char *line_end = newline ? newline : stop;
        PyObject *span = Py_BuildValue("(nn)", (Py_ssize_t)(p - base), (Py_ssize_t)(line_end - base));
        if (span == NULL || PyList_Append(spans, span) < 0) {
            Py_XDECREF(span);
            Py_CLEAR(spans);
            goto done;
        }
        Py_DECREF(span);
        p = line_end + 1;
    }
done:
    PyBuffer_Release(&buffer);
    return spans;
}

PyDoc_STRVAR(scan_lines_doc,
             "scan_lines(data, start, end, keys, needles=()) -> (lines, columns, bad, kinds)\n\n"
             "Read the lines of data[start:end] (each ended by a newline; a last line without\n"
             "one counts too); with needles (non-empty bytes), only the lines holding one of\n"
             "them: the others are skipped unread and uncounted. The needle b'\\\\u' stands for\n"
             "a backslash followed by u or /. columns holds one list per key (bytes) with the value of every\n"
             "line read (None when missing); bad lists (row, line_start, line_end) for each line\n"
             "left to the caller, row being how many read lines come before it; kinds, per\n"
             "column, the kinds of value in it: 1 None, 2 bool, 4 int, 8 float, 16 str, or-ed.");

static PyObject *scan_lines(PyObject *self, PyObject *args) {
    Py_buffer buffer;
    Py_ssize_t start, end;
    PyObject *key_tuple, *needle_tuple = NULL;
    Needles needles;
    PyObject *columns = NULL, *bad = NULL, *kind_list = NULL, *result = NULL;
    Keys keys;
    Cache caches[MAX_KEYS];
    PyObject *values[MAX_KEYS];
    long kinds[MAX_KEYS] = {0};
    Py_ssize_t lines = 0, rows = 0;
    (void)self;

    if (!PyArg_ParseTuple(args, "y*nnO!|O!", &buffer, &start, &end, &PyTuple_Type, &key_tuple,
                          &PyTuple_Type, &needle_tuple))
        return NULL;
    memset(caches, 0, sizeof(caches));
    if (!parse_needles(needle_tuple, &needles))
        goto finally;
    keys.count = PyTuple_GET_SIZE(key_tuple);
    if (keys.count > MAX_KEYS) {
        PyErr_Format(PyExc_ValueError, "scan_lines reads at most %d keys", MAX_KEYS);
        goto finally;
    }
    if (start < 0 || end > buffer.len || start > end) {
        PyErr_SetString(PyExc_ValueError, "scan_lines: start and end must lie within data");
        goto finally;
    }
    for (Py_ssize_t k = 0; k < keys.count; k++) {
        PyObject *name = PyTuple_GET_ITEM(key_tuple, k);
        if (!PyBytes_Check(name)) {
            PyErr_SetString(PyExc_TypeError, "scan_lines: keys must be bytes");
            goto finally;
        }
        keys.names[k] = PyBytes_AS_STRING(name);
        keys.lengths[k] = PyBytes_GET_SIZE(name);
    }
    columns = PyList_New(keys.count);
    bad = PyList_New(0);
    if (columns == NULL || bad == NULL)
        goto finally;
    for (Py_ssize_t k = 0; k < keys.count; k++) {
        PyObject *column = PyList_New(0);
        if (column == NULL)
            goto finally;
        PyList_SET_ITEM(columns, k, column);
    }
    const char *data = (const char *)buffer.buf;
    const char *p = data + start;
    const char *stop = data + end;
    while (p < stop) {
        if (needles.count) {
            p = next_candidate(&needles, p, stop);
            if (p >= stop)
                break;
        }
        const char *newline = memchr(p, '\n', (size_t)(stop - p));
        const char *line_end = newline ? newline : stop;
        int read = scan_line(p, line_end, &keys, caches, values);
        if (read < 0)
            goto finally;
        if (read) {
            for (Py_ssize_t k = 0; k < keys.count; k++)
                kinds[k] |= kind_of(values[k]);
            for (Py_ssize_t k = 0; k < keys.count; k++) {
                int failed = PyList_Append(PyList_GET_ITEM(columns, k), values[k]);
                Py_DECREF(values[k]);
                if (failed) {
                    for (Py_ssize_t j = k + 1; j < keys.count; j++)
                        Py_DECREF(values[j]);
                    goto finally;
                }
            }
            rows++;
        } else {
            PyObject *entry = Py_BuildValue("(nnn)", rows, (Py_ssize_t)(p - data),
                                            (Py_ssize_t)(line_end - data));
            if (entry == NULL || PyList_Append(bad, entry) < 0) {
                Py_XDECREF(entry);
                goto finally;
            }
            Py_DECREF(entry);
        }
        lines++;
        p = newline ? newline + 1 : stop;
    }
    kind_list = PyList_New(keys.count);
    if (kind_list == NULL)
        goto finally;
    for (Py_ssize_t k = 0; k < keys.count; k++) {
        PyObject *kind = PyLong_FromLong(kinds[k]);
        if (kind == NULL)
            goto finally;
        PyList_SET_ITEM(kind_list, k, kind);
    }
    result = Py_BuildValue("(nOOO)", lines, columns, bad, kind_list);
finally:
    for (Py_ssize_t k = 0; k < MAX_KEYS; k++)
        for (int i = 0; i < caches[k].used; i++)
            Py_DECREF(caches[k].items[i].value);
    Py_XDECREF(columns);
    Py_XDECREF(bad);
    Py_XDECREF(kind_list);
    PyBuffer_Release(&buffer);
    return result;
}

PyDoc_STRVAR(count_pairs_doc,
             "count_pairs(keys, values, into) -> None\n\n"
             "For each i, add 1 to into[keys[i]][values[i]] (dicts made as needed, in the order\n"
             "keys first come): what Counter(zip(keys, values)) counts, with no tuple per item.");

static PyObject *count_pairs(PyObject *self, PyObject *args) {
    PyObject *keys, *values, *into;
    PyObject *last_key = NULL, *last_inner = NULL;
    (void)self;
    if (!PyArg_ParseTuple(args, "O!O!O!", &PyList_Type, &keys, &PyList_Type, &values, &PyDict_Type,
                          &into))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(keys);
    if (PyList_GET_SIZE(values) != n) {
        PyErr_SetString(PyExc_ValueError, "count_pairs: keys and values differ in length");
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *key = PyList_GET_ITEM(keys, i);
        PyObject *value = PyList_GET_ITEM(values, i);
        if (key != last_key) {
            PyObject *inner = PyDict_GetItemWithError(into, key); /* borrowed */
            if (inner == NULL) {
                if (PyErr_Occurred())
                    return NULL;
                inner = PyDict_New();
                if (inner == NULL)
                    return NULL;
                int failed = PyDict_SetItem(into, key, inner);
                Py_DECREF(inner); /* into holds it */
                if (failed < 0)
                    return NULL;
            } else if (!PyDict_Check(inner)) {
                PyErr_SetString(PyExc_TypeError, "count_pairs: into must map keys to dicts");
                return NULL;
            }
            last_key = key;
            last_inner = inner;
        }
        PyObject *count = PyDict_GetItemWithError(last_inner, value); /* borrowed */
        Py_ssize_t before = 0;
        if (count == NULL) {
            if (PyErr_Occurred())
                return NULL;
        } else {
            before = PyLong_AsSsize_t(count);
            if (before == -1 && PyErr_Occurred())
                return NULL;
        }
        PyObject *after = PyLong_FromSsize_t(before + 1);
        if (after == NULL)
            return NULL;
        int failed = PyDict_SetItem(last_inner, value, after);
        Py_DECREF(after);
        if (failed < 0)
            return NULL;
    }
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"scan_lines", scan_lines, METH_VARARGS, scan_lines_doc},
    {"count_pairs", count_pairs, METH_VARARGS, count_pairs_doc},
    {"line_spans", line_spans, METH_VARARGS, line_spans_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_scan",
    "Columns of the top-level fields a query reads, from a block of JSON lines, in C.", -1,
    methods,
};

/* VERSION: raised when the module's interface changes (2: scan_lines takes needles; 3:
 * line_spans), so a build
 * from an older _scan.c is told apart from a current one on import. */
PyMODINIT_FUNC PyInit__scan(void) {
    PyObject *m = PyModule_Create(&module);
    if (m != NULL && PyModule_AddIntConstant(m, "VERSION", 3) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
