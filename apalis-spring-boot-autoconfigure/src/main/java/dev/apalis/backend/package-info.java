/**
 * The backend SPI: {@link dev.apalis.backend.Backend}, composed of {@link dev.apalis.backend.TaskStore}
 * (push, claim, complete, release), {@link dev.apalis.backend.WorkerLeases} (heart-beats and the expiry
 * of a silent worker's claims), {@link dev.apalis.backend.WakeUps} and {@link dev.apalis.backend.TaskInspector};
 * the optional {@link dev.apalis.backend.TaskManagement} and {@link dev.apalis.backend.BackendMaintenance};
 * {@link dev.apalis.backend.BackendCapability capability flags}; and {@link dev.apalis.backend.ForwardingBackend}
 * for decorators. docs/architecture.md draws them and says how to test a backend.
 */
@NullMarked
package dev.apalis.backend;

import org.jspecify.annotations.NullMarked;
