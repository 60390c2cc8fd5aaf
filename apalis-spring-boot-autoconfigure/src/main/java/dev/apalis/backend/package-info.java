/**
 * The backend SPI: how workers claim, complete and release tasks, and how operators inspect them.
 */
@NullMarked
package dev.apalis.backend;

import org.jspecify.annotations.NullMarked;
