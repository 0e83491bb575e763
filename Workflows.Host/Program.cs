using Scalar.AspNetCore;
using Workflows.Host.Auth;
using Workflows.Host.Disputes;
using Workflows.Host.Ledger;
using Workflows.Host.Notifications;
using Workflows.Host.Organization;
using Workflows.Host.Platform;
using Workflows.Host.Promotion;
using Workflows.Host.Reports;
using Workflows.Host.Runtime;
using Workflows.Host.Roster;
using Workflows.Host.ShiftSwaps;
using Workflows.Host.Violations;

// Verbs: `migrate`, `seed-demo`, `create-hr`, `import-org`, `backup`, `bench`; no verb runs the web host.
var (verb, verbArgs, hostArgs) = Verbs.Split(args);

// appsettings*.json are read once at start, not reloaded on change: reloading watches the whole content root, the
// SQLite data folder included, and every page the database writes then woke the watcher (ADR 0008). A command-line
// argument given after it (--hostBuilder:reloadConfigOnChange=true) turns reloading back on.
var builder = WebApplication.CreateBuilder(["--hostBuilder:reloadConfigOnChange=false", .. hostArgs]);
if (verb == "bench")
{
    builder.Configuration.AddInMemoryCollection(Workflows.Host.Bench.Bench.ConfigOverrides(builder.Configuration, builder.Environment.ContentRootPath));
    builder.Services.AddSingleton(new DesignSource(Path.Combine(AppContext.BaseDirectory, "Bench")));
}
builder.AddWorkflowDatabase();
DepartmentClock.AddDepartmentClock(builder);
builder.AddProblemResponses();
builder.AddWorkflowAuth();
builder.AddBackgroundJobs();
builder.AddHealth();
builder.AddWebApi();
builder.AddWebLocalization();
builder.AddWorkflowRuntime();
builder.AddNotifications();
StartupTasks.AddStartupTasks(builder);
builder.Services.AddScoped<OrgQueries>();
builder.Services.AddScoped<FormerHolderTasks>();
builder.Services.AddScoped<OrgImport>();
builder.AddTelemetry();
builder.AddRoster();
builder.AddShiftSwaps();
builder.AddViolations();
builder.AddLedger();
builder.AddDisputes();
builder.AddPromotion();
builder.AddReports();

var app = builder.Build();

if (verb is not null)
{
    return verb == "bench"
        ? await Workflows.Host.Bench.Bench.RunAsync(app, Workflows.Host.Bench.Bench.Parse(hostArgs))
        : await Verbs.RunAsync(verb, verbArgs, app);
}

app.UseExceptionHandler();
app.UseStatusCodePages(Workflows.Host.Auth.AuthApi.SignInRefusalPages());
app.UseSecurityHeaders();
app.UseRequestGuard();
app.UseStaticFiles();
app.UseRequestLocalization();
app.UseDashboardDeniedPage();
app.UseRouting();
app.UseAuthentication();
app.UseSessionValidation();
app.UseRateLimiter();
app.UseCookieApiGuard();
app.UseAuthorization();
app.UseEnumQueryNames();
app.UseIdempotency();

app.MapOpenApi().AllowAnonymous();
app.MapScalarApiReference("/api-reference").AllowAnonymous();
app.MapSystemApi();
app.MapAuthApi();
app.MapOrganizationApi();
app.MapOrgImportApi();
app.MapTelemetry();
app.MapWorkflowApis();
app.MapRosterApi();
app.MapShiftSwapsApi();
app.MapViolationsApi();
app.MapLedgerApi();
app.MapDisputesApi();
app.MapPromotionApi();
app.MapNotificationsApi();
app.MapReportsApi();
app.MapRazorPages();
app.MapHangfireDashboardForHr();
app.AnnounceWhenReady();

await app.RunAsync();
return 0;

/// <summary>The entry point, visible to the test host.</summary>
public partial class Program;
