using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workflows.Host.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class EmployeeRankIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_AspNetUsers_Rank",
                table: "AspNetUsers",
                column: "Rank");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_AspNetUsers_Rank",
                table: "AspNetUsers");
        }
    }
}
