package io.optoutgw.http;

import io.netty.handler.codec.http.HttpResponseStatus;

/** A request the admin API refuses, with the status and the one-line message the client gets. */
final class ApiException extends RuntimeException {

    private final HttpResponseStatus status;

    ApiException(HttpResponseStatus status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    HttpResponseStatus status() {
        return status;
    }
}
