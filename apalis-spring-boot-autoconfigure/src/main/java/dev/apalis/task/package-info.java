/**
 * The task model: ids, statuses, push options, the context a handler gets, payload codecs, and the
 * exceptions through which a handler steers retries.
 */
@NullMarked
package dev.apalis.task;

import org.jspecify.annotations.NullMarked;
