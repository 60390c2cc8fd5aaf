package dev.apalis.spring.boot.dashboard;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.web.servlet.function.RouterFunction;

import dev.apalis.spring.boot.ApalisAutoConfiguration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When the dashboard is served, and which access applies: off by default, only in a servlet web
 * application, secured when Spring Security is on the class path, read-only without it unless access
 * is unrestricted, and a path that cannot work fails start-up saying what to write.
 */
class DashboardAutoConfigurationTests {

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(ApalisAutoConfiguration.class, DashboardAutoConfiguration.class))
        .withPropertyValues("apalis.backend=memory");

    @Test
    void isOffByDefault() {
        this.runner.run((context) -> {
            assertThat(context).hasNotFailed().doesNotHaveBean(RouterFunction.class).doesNotHaveBean(Throughput.class);
        });
    }

    @Test
    void servesTheRoutesWithSecuredAccessWhenSpringSecurityIsPresent() {
        this.runner.withPropertyValues("apalis.dashboard.enabled=true").run((context) -> {
            assertThat(context).hasSingleBean(RouterFunction.class).hasSingleBean(Throughput.class);
            assertThat(context.getBean(DashboardAccess.class)).isInstanceOf(SecuredDashboardAccess.class);
            MockHttpServletRequest anonymous = new MockHttpServletRequest();
            assertThat(context.getBean(DashboardAccess.class).canRead(anonymous)).isFalse();
        });
    }

    @Test
    void withoutSpringSecurityItIsReadOnlyUnlessAccessIsUnrestricted() {
        WebApplicationContextRunner unsecured = this.runner.withClassLoader(new FilteredClassLoader(CsrfToken.class))
            .withPropertyValues("apalis.dashboard.enabled=true");
        unsecured.run((context) -> {
            DashboardAccess access = context.getBean(DashboardAccess.class);
            assertThat(access).isInstanceOf(UnsecuredDashboardAccess.class);
            MockHttpServletRequest request = new MockHttpServletRequest();
            assertThat(access.canRead(request)).isTrue();
            assertThat(access.canAct(request)).isFalse();
            assertThat(access.notice(request)).contains("read-only").contains("apalis.dashboard.access=unrestricted");
        });
        unsecured.withPropertyValues("apalis.dashboard.access=unrestricted").run((context) -> {
            MockHttpServletRequest request = new MockHttpServletRequest();
            assertThat(context.getBean(DashboardAccess.class).canAct(request)).isTrue();
            assertThat(context.getBean(DashboardAccess.class).notice(request)).startsWith("Unrestricted");
        });
    }

    @Test
    void isNotServedOutsideAServletWebApplication() {
        new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ApalisAutoConfiguration.class, DashboardAutoConfiguration.class))
            .withPropertyValues("apalis.backend=memory", "apalis.dashboard.enabled=true")
            .run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(RouterFunction.class));
    }

    @Test
    void aPathThatCannotWorkFailsStartUpSayingWhatToWrite() {
        this.runner.withPropertyValues("apalis.dashboard.enabled=true", "apalis.dashboard.path=apalis/")
            .run((context) -> assertThat(context).hasFailed()
                .getFailure()
                .rootCause()
                .hasMessageContaining("apalis.dashboard.path must start with '/'"));
    }

    @Test
    void aUserDefinedThroughputBeanIsKept() {
        Throughput own = new Throughput();
        this.runner.withPropertyValues("apalis.dashboard.enabled=true")
            .withBean(Throughput.class, () -> own)
            .run((context) -> assertThat(context.getBean(Throughput.class)).isSameAs(own));
    }
}
