using Scalar.AspNetCore;
using Workflows.Host.Auth;
using Workflows.Host.Ledger;
using Workflows.Host.Organization;
using Workflows.Host.Platform;
using Workflows.Host.Violations;

// Verbs: `migrate`, `seed-demo`; no verb runs the web host.
var (verb, hostArgs) = Verbs.Split(args);

var builder = WebApplication.CreateBuilder(hostArgs);
builder.AddWorkflowDatabase();
DepartmentClock.AddDepartmentClock(builder);
builder.AddProblemResponses();
builder.AddWorkflowAuth();
builder.AddBackgroundJobs();
builder.AddHealth();
builder.AddWebApi();
StartupTasks.AddStartupTasks(builder);
builder.Services.AddScoped<OrgQueries>();
builder.AddViolations();
builder.AddLedger();

var app = builder.Build();

if (verb is not null)
{
    return await Verbs.RunAsync(verb, app);
}

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseSecurityHeaders();
app.UseStaticFiles();
app.UseRouting();
app.UseAuthentication();
app.UseAuthorization();

app.MapOpenApi().AllowAnonymous();
app.MapScalarApiReference("/api-reference").AllowAnonymous();
app.MapSystemApi();
app.MapAuthApi();
app.MapOrganizationApi();
app.MapViolationsApi();
app.MapLedgerApi();
app.MapRazorPages();
app.MapHangfireDashboardForHr();
app.AnnounceWhenReady();

await app.RunAsync();
return 0;

/// <summary>The entry point, visible to the test host.</summary>
public partial class Program;
