package dev.apalis.backend.memory;

import dev.apalis.backend.TaskManagementContract;

/**
 * {@link MemoryStorage} keeps the {@link dev.apalis.backend.TaskManagement} contract; its "other node"
 * is the same storage (the memory backend is one JVM).
 */
class MemoryTaskManagementTest extends TaskManagementContract<MemoryStorage> {

    private final MemoryStorage storage = new MemoryStorage();

    @Override
    protected MemoryStorage storage() {
        return this.storage;
    }

    @Override
    protected MemoryStorage otherNode() {
        return this.storage;
    }
}
