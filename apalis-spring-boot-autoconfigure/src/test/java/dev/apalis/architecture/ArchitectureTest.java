package dev.apalis.architecture;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Locations;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The library's packages depend on each other in one direction, as docs/architecture.md draws them:
 * task, then the backend SPI, then schedules, then the backends, then workers, then the Spring layer
 * ({@code dev.apalis.spring}, observation, then {@code dev.apalis.spring.boot}). Only main classes are
 * checked.
 */
class ArchitectureTest {

    private static final String TASK = "dev.apalis.task..";

    private static final String BACKEND_SPI = "dev.apalis.backend";

    private static final String SCHEDULE = "dev.apalis.schedule..";

    private static final String BACKENDS = "dev.apalis.backend.*..";

    private static final String WORKER = "dev.apalis.worker..";

    private static final String SPRING = "dev.apalis.spring";

    private static final String OBSERVATION = "dev.apalis.observation..";

    private static final String BOOT = "dev.apalis.spring.boot..";

    private static JavaClasses classes;

    @BeforeAll
    static void importMainClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importLocations(Locations.ofPackage("dev.apalis")
                .stream()
                .filter((location) -> !location.isJar())
                .toList());
    }

    @Test
    void layersDependOnlyOnTheLayersBelowThem() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
            .layer("Task").definedBy(TASK)
            .layer("Backend SPI").definedBy(BACKEND_SPI)
            .layer("Schedule").definedBy(SCHEDULE)
            .layer("Backends").definedBy(BACKENDS)
            .layer("Worker").definedBy(WORKER)
            .layer("Spring").definedBy(SPRING)
            .layer("Observation").definedBy(OBSERVATION)
            .layer("Spring Boot").definedBy(BOOT)
            .whereLayer("Task").mayNotAccessAnyLayer()
            .whereLayer("Backend SPI").mayOnlyAccessLayers("Task")
            .whereLayer("Schedule").mayOnlyAccessLayers("Task", "Backend SPI")
            .whereLayer("Backends").mayOnlyAccessLayers("Task", "Backend SPI", "Schedule")
            .whereLayer("Worker").mayOnlyAccessLayers("Task", "Backend SPI")
            .whereLayer("Spring").mayOnlyAccessLayers("Task", "Backend SPI", "Schedule", "Worker")
            .whereLayer("Observation").mayOnlyAccessLayers("Task", "Backend SPI", "Worker", "Spring")
            .check(classes);
    }

    @Test
    void theCoreNeverDependsOnSpringBoot() {
        noClasses().that()
            .resideInAnyPackage(TASK, "dev.apalis.backend..", SCHEDULE, WORKER, OBSERVATION, SPRING)
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("org.springframework.boot..", BOOT)
            .check(classes);
    }

    @Test
    void theTaskModelDependsOnNoOtherApalisPackage() {
        noClasses().that()
            .resideInAPackage(TASK)
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("dev.apalis.backend..", SCHEDULE, WORKER, OBSERVATION, "dev.apalis.spring..")
            .check(classes);
    }

    @Test
    void noPackageCycles() {
        slices().matching("dev.apalis.(**)").should().beFreeOfCycles().check(classes);
    }
}
