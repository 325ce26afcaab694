package io.optoutgw.esme;

/**
 * Peer-supplied text made safe for a log line: control characters (CR, LF, ESC, ...) and
 * backslashes are escaped, so the text cannot start a forged line or drive a terminal, and it is
 * cut to a length.
 */
public final class LogSafe {

    /** How much of a system_id a log line shows (SMPP allows 15 characters). */
    public static final int SYSTEM_ID_CHARS = 32;

    private LogSafe() {}

    /** {@code text} escaped ({@code \n}, {@code \x1b}, ...) and cut to {@code max} characters plus "...". */
    public static String text(String text, int max) {
        if (text == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder(Math.min(text.length(), max) + 8);
        for (int i = 0; i < text.length(); i++) {
            if (sb.length() >= max) {
                return sb.append("...").toString();
            }
            char c = text.charAt(i);
            switch (c) {
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0) || c == '\u2028' || c == '\u2029') {
                        sb.append(String.format("\\x%02x", (int) c & 0xFFFF));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.toString();
    }
}
