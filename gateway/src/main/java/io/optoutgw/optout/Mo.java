package io.optoutgw.optout;

import io.optoutgw.config.AccountConfig;

/**
 * A mobile-originated message as the opt-out path sees it: decoded, and without the SMPP session
 * it came on.
 *
 * @param label              the log prefix of the bind it came on
 * @param upstream           the upstream it came from
 * @param smscReference      where it came from, for the audit trail (bind and sequence number)
 * @param sourceTon          the person's type_of_number (0 when the PDU had no source address)
 * @param source             the person's address as sent ("" when absent)
 * @param destinationTon     the texted number's type_of_number (0 when absent)
 * @param destination        the number the person texted, as sent, or {@code null} when absent
 * @param dataCoding         the PDU's data_coding, 0-255
 * @param text               the decoded text (of this part, when {@code concat} is set)
 * @param concat             the part of a concatenated message this is, or {@code null}
 * @param owner              the account that owns {@code destination}, or {@code null}
 * @param rawHex             the user data as received, in hex (UDH included), or {@code null}
 */
public record Mo(
        String label,
        String upstream,
        String smscReference,
        byte sourceTon,
        String source,
        byte destinationTon,
        String destination,
        int dataCoding,
        String text,
        Concat concat,
        AccountConfig owner,
        String rawHex) {}
